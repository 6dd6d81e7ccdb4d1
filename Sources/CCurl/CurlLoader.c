#include "CCurl.h"
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

// The functions taken from libcurl.so.4 once, under pthread_once.
static struct {
    CURLcode (*global_init)(long);
    CURL *(*easy_init)(void);
    void (*easy_cleanup)(CURL *);
    void (*easy_reset)(CURL *);
    CURLcode (*easy_perform)(CURL *);
    const char *(*easy_strerror)(CURLcode);
    CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
    CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
    struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
    void (*slist_free_all)(struct curl_slist *);
    curl_version_info_data *(*version_info)(CURLversion);
} curl;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static char load_error[512];
static int loaded = 0;

#define TAKE(field, name) \
    do { \
        *(void **)(&curl.field) = dlsym(library, name); \
        if (!curl.field) { snprintf(load_error, sizeof load_error, "libcurl.so.4 has no %s", name); return; } \
    } while (0)

static void load(void) {
    void *library = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
    if (!library) {
        const char *reason = dlerror();
        snprintf(load_error, sizeof load_error, "cannot load libcurl.so.4 (install libcurl4): %s", reason ? reason : "unknown error");
        return;
    }
    TAKE(global_init, "curl_global_init");
    TAKE(easy_init, "curl_easy_init");
    TAKE(easy_cleanup, "curl_easy_cleanup");
    TAKE(easy_reset, "curl_easy_reset");
    TAKE(easy_perform, "curl_easy_perform");
    TAKE(easy_strerror, "curl_easy_strerror");
    TAKE(easy_setopt, "curl_easy_setopt");
    TAKE(easy_getinfo, "curl_easy_getinfo");
    TAKE(slist_append, "curl_slist_append");
    TAKE(slist_free_all, "curl_slist_free_all");
    TAKE(version_info, "curl_version_info");
    if (curl.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        snprintf(load_error, sizeof load_error, "curl_global_init failed");
        return;
    }
    loaded = 1;
}

static int ready(void) {
    pthread_once(&once, load);
    return loaded;
}

const char *tradewizard_curl_load_error(void) { return ready() ? NULL : load_error; }

CURL *tradewizard_curl_easy_init(void) { return ready() ? curl.easy_init() : NULL; }
// Nothing to free never loads libcurl: a load at process exit races the TLS libraries' exit handlers.
void tradewizard_curl_easy_cleanup(CURL *handle) { if (handle && ready()) curl.easy_cleanup(handle); }
void tradewizard_curl_easy_reset(CURL *handle) { if (handle && ready()) curl.easy_reset(handle); }
CURLcode tradewizard_curl_easy_perform(CURL *handle) { return ready() ? curl.easy_perform(handle) : CURLE_FAILED_INIT; }
const char *tradewizard_curl_easy_strerror(CURLcode code) { return ready() ? curl.easy_strerror(code) : load_error; }
struct curl_slist *tradewizard_curl_slist_append(struct curl_slist *list, const char *text) {
    return ready() ? curl.slist_append(list, text) : NULL;
}
void tradewizard_curl_slist_free_all(struct curl_slist *list) { if (list && ready()) curl.slist_free_all(list); }
curl_version_info_data *tradewizard_curl_version_info(void) { return ready() ? curl.version_info(CURLVERSION_NOW) : NULL; }

CURLcode tradewizard_curl_setopt_long(CURL *handle, CURLoption option, long value) {
    return ready() ? curl.easy_setopt(handle, option, value) : CURLE_FAILED_INIT;
}
CURLcode tradewizard_curl_setopt_off(CURL *handle, CURLoption option, curl_off_t value) {
    return ready() ? curl.easy_setopt(handle, option, value) : CURLE_FAILED_INIT;
}
CURLcode tradewizard_curl_setopt_pointer(CURL *handle, CURLoption option, const void *value) {
    return ready() ? curl.easy_setopt(handle, option, value) : CURLE_FAILED_INIT;
}
CURLcode tradewizard_curl_setopt_callback(CURL *handle, CURLoption option, tradewizard_curl_data_callback value) {
    return ready() ? curl.easy_setopt(handle, option, value) : CURLE_FAILED_INIT;
}
CURLcode tradewizard_curl_setopt_progress(CURL *handle, tradewizard_curl_progress_callback value) {
    return ready() ? curl.easy_setopt(handle, CURLOPT_XFERINFOFUNCTION, value) : CURLE_FAILED_INIT;
}
CURLcode tradewizard_curl_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return ready() ? curl.easy_getinfo(handle, info, value) : CURLE_FAILED_INIT;
}
