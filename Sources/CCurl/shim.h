#ifndef TRADEWIZARD_CCURL_SHIM_H
#define TRADEWIZARD_CCURL_SHIM_H
#include <curl/curl.h>

// curl_easy_setopt and curl_easy_getinfo are variadic; Swift cannot call them directly.
// One typed wrapper per argument kind.
static inline CURLcode tradewizard_curl_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode tradewizard_curl_setopt_off(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode tradewizard_curl_setopt_pointer(CURL *handle, CURLoption option, const void *value) {
    return curl_easy_setopt(handle, option, value);
}
typedef size_t (*tradewizard_curl_data_callback)(char *data, size_t size, size_t count, void *context);
static inline CURLcode tradewizard_curl_setopt_callback(CURL *handle, CURLoption option, tradewizard_curl_data_callback value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode tradewizard_curl_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}
static inline CURLcode tradewizard_curl_getinfo_double(CURL *handle, CURLINFO info, double *value) {
    return curl_easy_getinfo(handle, info, value);
}
// CURLVERSION_NOW is a macro alias Swift cannot import.
static inline curl_version_info_data *tradewizard_curl_version_info(void) {
    return curl_version_info(CURLVERSION_NOW);
}
#endif
