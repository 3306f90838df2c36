// Answering a read from the namespaces' ReadCache (engine/read_cache.h): the
// body rendered for `key` while the namespace has not changed since, else a
// fresh rendering, kept for the next read. Both dialects' run reads use it.
#pragma once

#include <httplib.h>

#include <functional>
#include <optional>
#include <string>

#include "engine/namespaces.h"
#include "http/json_response.h"

namespace sandbox::dialects {

// `render()` reads and renders: it returns the 200 body, or nullopt after it
// has answered with an error itself (errors are never kept). `key` names the
// read within the namespace (the namespace is added here). `version()`, when
// given, reads the version of the one object the answer is about (nullopt
// when there is none): an answer rendered at that version is still good after
// commits to other objects (ReadCache::Revalidate).
template <class Render>
void RespondFromReadCache(engine::Namespaces& spaces, engine::Engine& engine, const std::string& key,
                          httplib::Response& res, Render&& render,
                          const std::function<std::optional<int64_t>()>& version = nullptr) {
  const engine::ReadStamp stamp = engine.read_stamp();  // before the read: see ReadCache::Store
  std::string full_key = engine.store().ns();
  full_key.push_back('\n');
  full_key += key;
  if (auto hit = spaces.read_cache().Find(full_key, stamp)) {
    res.status = 200;
    res.set_content(*hit, "application/json");
    return;
  }
  std::optional<int64_t> at;
  if (version) {
    at = version();
    if (at) {
      if (auto hit = spaces.read_cache().Revalidate(full_key, stamp, *at)) {
        res.status = 200;
        res.set_content(*hit, "application/json");
        return;
      }
    }
  }
  std::optional<nlohmann::ordered_json> body = render();
  if (!body) return;
  std::string text = http::JsonText(*body);
  spaces.read_cache().Store(full_key, stamp, text, at);
  res.status = 200;
  res.set_content(std::move(text), "application/json");
}

}  // namespace sandbox::dialects
