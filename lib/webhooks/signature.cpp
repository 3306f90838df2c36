// HMAC-SHA256 through OpenSSL's libcrypto (already a dependency of
// cpp-httplib's Debian build); see signature.h.
#include "webhooks/signature.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace sandbox::webhooks {

std::string SignatureHex(const std::string& secret, const std::string& body) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(body.data()), body.size(), mac, &len);
  static const char* kHex = "0123456789abcdef";
  std::string out;
  out.reserve(len * 2);
  for (unsigned int i = 0; i < len; ++i) {
    out += kHex[mac[i] >> 4];
    out += kHex[mac[i] & 15];
  }
  return out;
}

}  // namespace sandbox::webhooks
