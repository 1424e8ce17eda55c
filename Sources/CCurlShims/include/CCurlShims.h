// Typed wrappers for libcurl's variadic calls (curl_easy_setopt, curl_easy_getinfo,
// curl_multi_setopt), which the Swift compiler cannot import. One function per argument type;
// every name is prefixed `s3edge_`.
#ifndef S3EDGE_CCURL_SHIMS_H
#define S3EDGE_CCURL_SHIMS_H

#include <curl/curl.h>

CURLcode s3edge_curl_easy_setopt_long(CURL *handle, CURLoption option, long value);
CURLcode s3edge_curl_easy_setopt_off_t(CURL *handle, CURLoption option, curl_off_t value);
CURLcode s3edge_curl_easy_setopt_string(CURL *handle, CURLoption option, const char *value);
CURLcode s3edge_curl_easy_setopt_pointer(CURL *handle, CURLoption option, void *value);
CURLcode s3edge_curl_easy_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value);

typedef size_t (*s3edge_curl_data_callback)(char *data, size_t size, size_t count, void *userdata);
CURLcode s3edge_curl_easy_setopt_write_function(CURL *handle, s3edge_curl_data_callback callback);
CURLcode s3edge_curl_easy_setopt_header_function(CURL *handle, s3edge_curl_data_callback callback);
CURLcode s3edge_curl_easy_setopt_read_function(CURL *handle, s3edge_curl_data_callback callback);

typedef int (*s3edge_curl_sockopt_callback)(void *userdata, curl_socket_t fd, curlsocktype purpose);
CURLcode s3edge_curl_easy_setopt_sockopt_function(CURL *handle, s3edge_curl_sockopt_callback callback);

CURLcode s3edge_curl_easy_getinfo_long(CURL *handle, CURLINFO info, long *value);
CURLcode s3edge_curl_easy_getinfo_off_t(CURL *handle, CURLINFO info, curl_off_t *value);
CURLcode s3edge_curl_easy_getinfo_double(CURL *handle, CURLINFO info, double *value);
CURLcode s3edge_curl_easy_getinfo_pointer(CURL *handle, CURLINFO info, void **value);
CURLcode s3edge_curl_easy_getinfo_string(CURL *handle, CURLINFO info, const char **value);

CURLMcode s3edge_curl_multi_setopt_long(CURLM *multi, CURLMoption option, long value);

/// CURL_WRITEFUNC_PAUSE is a macro; returned from a write callback it pauses the transfer.
size_t s3edge_CURL_WRITEFUNC_PAUSE(void);

#endif
