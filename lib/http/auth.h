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

// Which keys are accepted, and which keys are one account (issue 10: each
// key is its own account by default, as in the real API, so one key never
// sees another's runs; --same-account and --shared-account join them on
// purpose).
class KeyPolicy {
 public:
  // With no required keys, any key of the form mk_test_... or mk_live_... is
  // accepted; otherwise exactly the listed ones.
  explicit KeyPolicy(std::vector<std::string> required_keys = {}, bool shared_account = false,
                     std::vector<std::vector<std::string>> same_accounts = {})
      : required_(std::move(required_keys)), shared_(shared_account), groups_(std::move(same_accounts)) {}
  bool Accepts(const std::string& key) const;
  bool requires_specific_keys() const { return !required_.empty(); }
  // The key that names `key`'s account: the first key of its --same-account
  // group, or the key itself; "" when every key shares one account.
  std::string AccountKey(const std::string& key) const;

 private:
  std::vector<std::string> required_;
  bool shared_ = false;
  std::vector<std::vector<std::string>> groups_;
};

}  // namespace sandbox::http
