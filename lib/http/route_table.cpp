// RouteTable; see route_table.h.
#include "http/route_table.h"

#include "http/request_notes.h"

namespace sandbox::http {

std::vector<std::string> Route::PathParams() const {
  std::vector<std::string> out;
  size_t at = 0;
  while ((at = path.find('{', at)) != std::string::npos) {
    size_t end = path.find('}', at);
    if (end == std::string::npos) break;
    out.push_back(path.substr(at + 1, end - at - 1));
    at = end + 1;
  }
  return out;
}

std::string PathPattern(const std::string& path_template) {
  std::string out;
  size_t i = 0;
  while (i < path_template.size()) {
    if (path_template[i] == '{') {
      size_t end = path_template.find('}', i);
      if (end == std::string::npos) break;
      out += "([^/]+)";
      i = end + 1;
    } else {
      out += path_template[i++];
    }
  }
  return out;
}

void RouteTable::Add(Route route, RouteHandler handler) {
  routes_.push_back(std::make_unique<Route>(std::move(route)));
  const Route* r = routes_.back().get();
  auto wrapped = [this, r, h = std::move(handler)](const httplib::Request& req, httplib::Response& res) {
    NoteRoute(r);
    if (!r->run_param.empty()) {
      auto params = r->PathParams();
      for (size_t i = 0; i < params.size() && i + 1 < req.matches.size(); ++i) {
        if (params[i] == r->run_param) NoteRun(req.matches[i + 1]);
      }
    }
    if (gate_ && !gate_(*r, req, res)) return;
    h(req, res);
  };
  std::string pattern = PathPattern(r->path);
  if (r->method == "GET") {
    server_.Get(pattern, std::move(wrapped));
  } else if (r->method == "POST") {
    server_.Post(pattern, std::move(wrapped));
  } else if (r->method == "PUT") {
    server_.Put(pattern, std::move(wrapped));
  } else if (r->method == "DELETE") {
    server_.Delete(pattern, std::move(wrapped));
  } else if (r->method == "PATCH") {
    server_.Patch(pattern, std::move(wrapped));
  }
}

}  // namespace sandbox::http
