// Frames' text in an anonymous memory file, sent to each client by the
// kernel straight from the file's pages (issue 12). 1,000 clients on one run
// each get the same ~145 KB after a resume; written from memory, every
// client's copy of it went through the CPU (a fifth of the server's time),
// while sendfile() hands the socket the file's pages by reference.
//
// A file holds one read's frames, each already an HTTP/1.1 chunk ("<hex
// size>\r\n<text>\r\n"), so any run of them is a valid piece of a chunked
// body. It is sealed once written: nothing changes a page the kernel may
// still be sending. It is never truncated or punched (that would zero pages
// still in flight); it is closed when the last frame in it is dropped and no
// client holds it, and the kernel frees its pages once sent.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace sandbox::dialects {

class FrameFile {
 public:
  // A sealed file holding each of `frames` as a chunk, one after another
  // (ChunkHeadSize says where each starts); null when none can be made (no
  // memfd, descriptors or memory short, or max_live_files() live): the caller
  // keeps the text in memory instead. No frame may be empty: a chunk of size
  // 0 ends a body.
  static std::shared_ptr<const FrameFile> Write(std::span<const std::string_view> frames);
  // The length of the size line ("<hex>\r\n") of a chunk of `size` bytes.
  static uint32_t ChunkHeadSize(size_t size);
  // At most this many files live at once (each is a descriptor; with one
  // per read of a run several clients follow, 1,000 streams on one run hold
  // a few). Past it, frames stay in memory. The app lowers it to the
  // descriptors its connections leave (docs/operations.md).
  static constexpr int kMaxLiveFiles = 4096;
  static void set_max_live_files(int n) { max_live_.store(n, std::memory_order_relaxed); }
  static int max_live_files() { return max_live_.load(std::memory_order_relaxed); }
  static int live_files() { return live_.load(std::memory_order_relaxed); }

  ~FrameFile();
  FrameFile(const FrameFile&) = delete;
  FrameFile& operator=(const FrameFile&) = delete;

  int fd() const { return fd_; }
  // `size` bytes from `offset`, appended to `out`; false on a read error.
  [[nodiscard]] bool Read(int64_t offset, size_t size, std::string& out) const;

 private:
  explicit FrameFile(int fd) : fd_(fd) {}
  const int fd_;
  static std::atomic<int> live_;
  static std::atomic<int> max_live_;
};

// How frames become files: FrameFile::Write, or a test's stand-in.
using FrameFileMaker = std::function<std::shared_ptr<const FrameFile>(std::span<const std::string_view> frames)>;

}  // namespace sandbox::dialects
