#include <openssl/evp.h>
#include <openssl/rand.h>

// The GCM controls are macros Swift does not import; the journal needs these three.
static const int seat_gcm_set_iv_length = EVP_CTRL_GCM_SET_IVLEN;
static const int seat_gcm_get_tag = EVP_CTRL_GCM_GET_TAG;
static const int seat_gcm_set_tag = EVP_CTRL_GCM_SET_TAG;
