// FileLock; see file_lock.h.
#include "store/file_lock.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>

namespace sandbox::store {

std::string FileLock::LockPathFor(const std::string& db_path) {
  std::string file = db_path;
  if (file.rfind("file:", 0) == 0) {
    // A URI (connections are opened with SQLITE_OPEN_URI): its path part names the file.
    std::string::size_type query = file.find('?');
    if (query != std::string::npos && file.find("mode=memory", query) != std::string::npos) return "";
    file = file.substr(5, query == std::string::npos ? std::string::npos : query - 5);
  }
  if (file.empty() || file == ":memory:") return "";
  std::error_code ec;
  std::filesystem::path resolved = std::filesystem::weakly_canonical(file, ec);
  return (ec ? file : resolved.string()) + ".lock";
}

Result<std::unique_ptr<FileLock>> FileLock::Acquire(const std::string& db_path) {
  const std::string path = LockPathFor(db_path);
  if (path.empty()) return std::unique_ptr<FileLock>();
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    return Status::Internal("cannot lock database " + db_path + ": cannot open " + path + ": " + std::strerror(errno));
  }
  int rc;
  do {
    rc = ::flock(fd, LOCK_EX | LOCK_NB);
  } while (rc != 0 && errno == EINTR);
  if (rc != 0) {
    const int err = errno;
    std::string holder;
    if (err == EWOULDBLOCK) {
      // The holder writes its pid right after locking; a reader that comes
      // in between finds the file empty and names no pid.
      char buf[32] = {};
      ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
      std::string text = n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
      std::string digits = text.substr(0, text.find_first_not_of("0123456789"));
      if (!digits.empty()) holder = " (pid " + digits + ")";
    }
    ::close(fd);
    if (err == EWOULDBLOCK) {
      return Status::Conflict("database " + db_path + " is in use by another agent-sandbox process" + holder);
    }
    return Status::Internal("cannot lock database " + db_path + ": flock " + path + ": " + std::strerror(err));
  }
  const std::string pid = std::to_string(::getpid()) + "\n";
  // Best effort: the pid is for the message only, the lock is what counts.
  if (::ftruncate(fd, 0) == 0) (void)!::pwrite(fd, pid.data(), pid.size(), 0);
  return std::unique_ptr<FileLock>(new FileLock(fd, path));
}

FileLock::~FileLock() {
  // Closing the only descriptor of this open file releases the flock.
  ::close(fd_);
}

}  // namespace sandbox::store
