// The ceiling the sandbox is measured against: a bare cpp-httplib server that
// answers every GET with the bytes of one file (the body the sandbox sends for
// the same request), as application/json. It sets TCP_NODELAY, as the sandbox
// does (without it Nagle's algorithm holds every body back ~40 ms), and a pool of 128
// threads: the library's default (8 here) serves 8 keep-alive connections and
// leaves the rest waiting, and the sandbox gives every connection a thread.
// Usage: bare_server PORT BODY_FILE [BODY_FILE...]; the Nth file is served at /N
// (from 0), and at every other path the first.
#include <httplib.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: bare_server PORT BODY_FILE [BODY_FILE...]\n");
    return 2;
  }
  std::vector<std::string> bodies;
  for (int i = 2; i < argc; ++i) {
    std::ifstream in(argv[i], std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "bare_server: cannot read %s\n", argv[i]);
      return 1;
    }
    std::ostringstream s;
    s << in.rdbuf();
    bodies.push_back(s.str());
  }
  httplib::Server server;
  server.set_tcp_nodelay(true);
  server.new_task_queue = [] { return new httplib::ThreadPool(128); };
  server.Get(R"(/(\d+))", [&](const httplib::Request& req, httplib::Response& res) {
    size_t n = std::stoul(req.matches[1]);
    res.set_content(n < bodies.size() ? bodies[n] : bodies[0], "application/json");
  });
  server.Get(".*", [&](const httplib::Request&, httplib::Response& res) {
    res.set_content(bodies[0], "application/json");
  });
  return server.listen("127.0.0.1", std::stoi(argv[1])) ? 0 : 1;
}
