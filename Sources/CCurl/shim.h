// Typed wrappers for libcurl's variadic and macro APIs, so Swift calls them with checked types.
#ifndef SOAK_CCURL_SHIM_H
#define SOAK_CCURL_SHIM_H

#include <curl/curl.h>

/* curl_easy_setopt, one wrapper per argument type libcurl accepts. */
static inline CURLcode soak_curl_easy_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode soak_curl_easy_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode soak_curl_easy_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode soak_curl_easy_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode soak_curl_easy_setopt_opensocket_callback(CURL *handle, curl_opensocket_callback value) {
    return curl_easy_setopt(handle, CURLOPT_OPENSOCKETFUNCTION, value);
}
static inline CURLcode soak_curl_easy_setopt_closesocket_callback(CURL *handle, curl_closesocket_callback value) {
    return curl_easy_setopt(handle, CURLOPT_CLOSESOCKETFUNCTION, value);
}

/* curl_easy_getinfo, one wrapper per result type. */
static inline CURLcode soak_curl_easy_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}
static inline CURLcode soak_curl_easy_getinfo_off_t(CURL *handle, CURLINFO info, curl_off_t *value) {
    return curl_easy_getinfo(handle, info, value);
}
static inline CURLcode soak_curl_easy_getinfo_pointer(CURL *handle, CURLINFO info, void **value) {
    return curl_easy_getinfo(handle, info, value);
}

/* curl_multi_setopt. */
static inline CURLMcode soak_curl_multi_setopt_long(CURLM *multi, CURLMoption option, long value) {
    return curl_multi_setopt(multi, option, value);
}
static inline CURLMcode soak_curl_multi_setopt_pointer(CURLM *multi, CURLMoption option, void *value) {
    return curl_multi_setopt(multi, option, value);
}

/* curl_multi_setopt for the socket interface's callbacks. */
static inline CURLMcode soak_curl_multi_setopt_socket_function(CURLM *multi, curl_socket_callback value) {
    return curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, value);
}
static inline CURLMcode soak_curl_multi_setopt_timer_function(CURLM *multi, curl_multi_timer_callback value) {
    return curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, value);
}

/* CURL_POLL_* and CURL_CSELECT_* are macros; CURL_SOCKET_TIMEOUT is a cast. */
static const int SOAK_CURL_POLL_IN = CURL_POLL_IN;
static const int SOAK_CURL_POLL_OUT = CURL_POLL_OUT;
static const int SOAK_CURL_POLL_INOUT = CURL_POLL_INOUT;
static const int SOAK_CURL_POLL_REMOVE = CURL_POLL_REMOVE;
static const int SOAK_CURL_CSELECT_IN = CURL_CSELECT_IN;
static const int SOAK_CURL_CSELECT_OUT = CURL_CSELECT_OUT;
static const int SOAK_CURL_CSELECT_ERR = CURL_CSELECT_ERR;
static inline curl_socket_t soak_curl_socket_timeout(void) { return CURL_SOCKET_TIMEOUT; }

/* curl_easy_setopt for the write callback's signature. */
static inline CURLcode soak_curl_easy_setopt_write_function(CURL *handle, curl_write_callback value) {
    return curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, value);
}

/* CURLAUTH_BASIC is a macro with a cast, which Swift does not import. */
static inline long soak_curlauth_basic(void) {
    return (long)CURLAUTH_BASIC;
}

/* The result code of a finished transfer; CURLMsg keeps it in a union. */
static inline CURLcode soak_curl_msg_result(const CURLMsg *message) {
    return message->data.result;
}

/* The version string of the libcurl this process runs with. */
static inline const char *soak_curl_version(void) {
    return curl_version_info(CURLVERSION_NOW)->version;
}

#endif
