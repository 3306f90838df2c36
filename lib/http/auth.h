// API-key authentication shared by the dialects: reading the key from
// "Authorization: Bearer KEY" or HTTP Basic (the key as user name, empty
// password), and deciding whether a key is accepted.
#pragma once

#include <httplib.h>

#include <optional>
#include <string>
#include <vector>

namespace sandbox::http {

// The key from the Authorization header, or nullopt when there is none or it
// is malformed.
std::optional<std::string> ApiKeyOf(const httplib::Request& req);

class KeyPolicy {
 public:
  // With no required keys, any key of the form mk_test_... or mk_live_... is
  // accepted; otherwise exactly the listed ones.
  explicit KeyPolicy(std::vector<std::string> required_keys = {}) : required_(std::move(required_keys)) {}
  bool Accepts(const std::string& key) const;
  bool requires_specific_keys() const { return !required_.empty(); }

 private:
  std::vector<std::string> required_;
};

}  // namespace sandbox::http
