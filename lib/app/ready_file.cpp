// The ready file; see ready_file.h.
#include "app/ready_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace sandbox::app {

std::string ReadyFileContent(const std::string& host, int port, long pid, const std::string& db) {
  // An IPv6 literal needs brackets in a URL.
  const std::string authority = (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" +
                                std::to_string(port);
  Json content{{"url", "http://" + authority},
               {"port", port},
               {"pid", pid},
               {"version", AGENT_SANDBOX_VERSION},
               {"db", db}};
  return content.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n";
}

Status WriteReadyFile(const std::string& path, const std::string& content) {
  const std::string tmp = path + ".tmp" + std::to_string(::getpid());
  auto failed = [&](const char* what) {
    const std::string why = std::strerror(errno);
    ::unlink(tmp.c_str());
    return Status::Internal("cannot write the ready file " + path + " (" + what + "): " + why);
  };
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return failed("open");
  size_t done = 0;
  while (done < content.size()) {
    ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::close(fd);
      return failed("write");
    }
    done += static_cast<size_t>(n);
  }
  if (::close(fd) != 0) return failed("close");
  if (::rename(tmp.c_str(), path.c_str()) != 0) return failed("rename");
  return Status::Ok();
}

Status RemoveReadyFile(const std::string& path) {
  if (::unlink(path.c_str()) == 0 || errno == ENOENT) return Status::Ok();
  return Status::Internal("cannot remove the ready file " + path + ": " + std::strerror(errno));
}

}  // namespace sandbox::app
