// OpenSSL's libcrypto (Debian: libssl-dev): SHA-256 through the EVP digest API, and HMAC.
#include <openssl/evp.h>
#include <openssl/hmac.h>
