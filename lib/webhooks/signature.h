// Signing webhook bodies: HMAC-SHA256 of the raw body keyed with the
// webhook's secret, hex-encoded (the header the dialect names, webhooks::WebhookFormat).
#pragma once

#include <string>

namespace sandbox::webhooks {

// Lower-case hex of HMAC-SHA256(key = secret, message = body).
std::string SignatureHex(const std::string& secret, const std::string& body);

}  // namespace sandbox::webhooks
