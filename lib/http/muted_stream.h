// A connection's stream that can stop writing (issue 13, the `empty` and
// `reset` faults): once `*muted` is true, writes pretend to succeed and send
// nothing, so the library finishes its answer as usual (journal, logger) while
// the client receives not one byte; the connection loop then closes or
// resets the socket. Everything else goes to the stream beneath.
#pragma once

#include <httplib.h>

#include <string>

namespace sandbox::http {

class MutedStream final : public httplib::Stream {
 public:
  MutedStream(httplib::Stream& inner, const bool& muted) : inner_(inner), muted_(muted) {}
  using httplib::Stream::write;

  bool is_readable() const override { return inner_.is_readable(); }
  bool is_writable() const override { return muted_ || inner_.is_writable(); }
  ssize_t read(char* ptr, size_t size) override { return inner_.read(ptr, size); }
  ssize_t write(const char* ptr, size_t size) override {
    return muted_ ? static_cast<ssize_t>(size) : inner_.write(ptr, size);
  }
  void get_remote_ip_and_port(std::string& ip, int& port) const override { inner_.get_remote_ip_and_port(ip, port); }
  void get_local_ip_and_port(std::string& ip, int& port) const override { inner_.get_local_ip_and_port(ip, port); }
  socket_t socket() const override { return inner_.socket(); }

 private:
  httplib::Stream& inner_;
  const bool& muted_;
};

}  // namespace sandbox::http
