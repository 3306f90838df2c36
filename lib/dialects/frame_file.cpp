// FrameFile; see frame_file.h.
#include "dialects/frame_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <vector>

namespace sandbox::dialects {

std::atomic<int> FrameFile::live_{0};
std::atomic<int> FrameFile::max_live_{FrameFile::kMaxLiveFiles};

uint32_t FrameFile::ChunkHeadSize(size_t size) {
  uint32_t digits = 1;
  for (size >>= 4; size > 0; size >>= 4) ++digits;
  return digits + 2;
}

std::shared_ptr<const FrameFile> FrameFile::Write(std::span<const std::string_view> frames) {
  if (live_.fetch_add(1, std::memory_order_relaxed) >= max_live_files()) {
    live_.fetch_sub(1, std::memory_order_relaxed);
    return nullptr;
  }
  // From here the count is the file's: ~FrameFile gives it back.
  const int fd = memfd_create("agent-sandbox-frames", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (fd < 0) {
    live_.fetch_sub(1, std::memory_order_relaxed);
    return nullptr;
  }
  std::shared_ptr<const FrameFile> file(new FrameFile(fd));
  // Each frame as its chunk, straight from the rendered text (no copy of
  // the whole read first): size line, text, CRLF.
  static constexpr char kCrlf[] = "\r\n";
  std::vector<std::string> heads(frames.size());
  std::vector<iovec> parts;
  parts.reserve(frames.size() * 3);
  for (size_t i = 0; i < frames.size(); ++i) {
    char head[24];
    heads[i].assign(head, static_cast<size_t>(std::snprintf(head, sizeof head, "%zx\r\n", frames[i].size())));
    parts.push_back({heads[i].data(), heads[i].size()});
    parts.push_back({const_cast<char*>(frames[i].data()), frames[i].size()});
    parts.push_back({const_cast<char*>(kCrlf), 2});
  }
  for (size_t first = 0; first < parts.size();) {
    const ssize_t n =
        ::writev(fd, parts.data() + first, static_cast<int>(std::min<size_t>(parts.size() - first, IOV_MAX)));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return nullptr;  // memory short (ENOSPC, ENOMEM): the frames stay in memory
    auto sent = static_cast<size_t>(n);
    for (; first < parts.size() && sent >= parts[first].iov_len; ++first) sent -= parts[first].iov_len;
    if (sent > 0) {
      parts[first].iov_base = static_cast<char*>(parts[first].iov_base) + sent;
      parts[first].iov_len -= sent;
    }
  }
  if (fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) != 0) return nullptr;
  return file;
}

FrameFile::~FrameFile() {
  ::close(fd_);
  live_.fetch_sub(1, std::memory_order_relaxed);
}

bool FrameFile::Read(int64_t offset, size_t size, std::string& out) const {
  const size_t start = out.size();
  out.resize(start + size);
  for (size_t done = 0; done < size;) {
    const ssize_t n = ::pread(fd_, out.data() + start + done, size - done, static_cast<off_t>(offset) + done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      out.resize(start);
      return false;
    }
    done += static_cast<size_t>(n);
  }
  return true;
}

}  // namespace sandbox::dialects
