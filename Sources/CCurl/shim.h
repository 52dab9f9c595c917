// Typed wrappers around libcurl's variadic functions, which Swift cannot call directly.
#ifndef PERSONAWORLDS_CCURL_SHIM_H
#define PERSONAWORLDS_CCURL_SHIM_H
#include <curl/curl.h>

typedef size_t (*pw_curl_data_cb)(char *ptr, size_t size, size_t nmemb, void *userdata);
typedef int (*pw_curl_xferinfo_cb)(void *clientp, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow);

static inline CURLcode pw_curl_setopt_long(CURL *h, CURLoption o, long v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode pw_curl_setopt_string(CURL *h, CURLoption o, const char *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode pw_curl_setopt_pointer(CURL *h, CURLoption o, void *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode pw_curl_setopt_slist(CURL *h, CURLoption o, struct curl_slist *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode pw_curl_setopt_data_cb(CURL *h, CURLoption o, pw_curl_data_cb v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode pw_curl_setopt_xferinfo_cb(CURL *h, pw_curl_xferinfo_cb v) { return curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, v); }
static inline CURLcode pw_curl_setopt_postfields(CURL *h, const void *data, long length) {
    CURLcode rc = curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, length);
    if (rc != CURLE_OK) return rc;
    return curl_easy_setopt(h, CURLOPT_COPYPOSTFIELDS, data);
}
static inline CURLcode pw_curl_getinfo_long(CURL *h, CURLINFO i, long *out) { return curl_easy_getinfo(h, i, out); }

#endif
