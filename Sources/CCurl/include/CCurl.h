#ifndef TRADEWIZARD_CCURL_H
#define TRADEWIZARD_CCURL_H
// libcurl, loaded on first use. The binary does not link libcurl: it opens libcurl.so.4 with
// dlopen the first time the network is used, so a process that never makes a request (offline
// mode, the command-line verbs) never maps libcurl and its TLS stack (several MB of resident
// memory). curl's header is used for its types and constants only.
#include <curl/curl.h>

/// NULL once libcurl is loaded and initialised (curl_global_init); otherwise why it is not.
/// Loads it on the first call; thread-safe.
const char *tradewizard_curl_load_error(void);

// The calls the transport makes. Each loads libcurl first; when it cannot be loaded they fail
// (NULL, CURLE_FAILED_INIT) without crashing.
CURL *tradewizard_curl_easy_init(void);
void tradewizard_curl_easy_cleanup(CURL *handle);
void tradewizard_curl_easy_reset(CURL *handle);
CURLcode tradewizard_curl_easy_perform(CURL *handle);
const char *tradewizard_curl_easy_strerror(CURLcode code);
struct curl_slist *tradewizard_curl_slist_append(struct curl_slist *list, const char *text);
void tradewizard_curl_slist_free_all(struct curl_slist *list);
curl_version_info_data *tradewizard_curl_version_info(void);

// curl_easy_setopt and curl_easy_getinfo are variadic; Swift cannot call them directly.
// One typed wrapper per argument kind.
typedef size_t (*tradewizard_curl_data_callback)(char *data, size_t size, size_t count, void *context);
CURLcode tradewizard_curl_setopt_long(CURL *handle, CURLoption option, long value);
CURLcode tradewizard_curl_setopt_off(CURL *handle, CURLoption option, curl_off_t value);
CURLcode tradewizard_curl_setopt_pointer(CURL *handle, CURLoption option, const void *value);
CURLcode tradewizard_curl_setopt_callback(CURL *handle, CURLoption option, tradewizard_curl_data_callback value);
CURLcode tradewizard_curl_getinfo_long(CURL *handle, CURLINFO info, long *value);
// CURLOPT_XFERINFOFUNCTION: a non-zero return aborts the transfer (CURLE_ABORTED_BY_CALLBACK).
typedef int (*tradewizard_curl_progress_callback)(void *context, curl_off_t download_total, curl_off_t downloaded,
                                                  curl_off_t upload_total, curl_off_t uploaded);
CURLcode tradewizard_curl_setopt_progress(CURL *handle, tradewizard_curl_progress_callback value);
#endif
