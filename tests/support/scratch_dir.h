// A fresh temporary folder for one test, removed with everything in it when
// the test ends; for tests that need a database file or snapshots on disk.
#pragma once

#include <catch2/catch.hpp>
#include <stdlib.h>

#include <filesystem>
#include <string>

namespace sandbox::testing {

struct ScratchDir {
  explicit ScratchDir(const std::string& name = "scratch") {
    std::string templ = (std::filesystem::temp_directory_path() / ("agent-sandbox-" + name + "-XXXXXX")).string();
    REQUIRE(::mkdtemp(templ.data()) != nullptr);
    path = templ;
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  std::string File(const std::string& name) const { return (path / name).string(); }
  std::filesystem::path path;
};

}  // namespace sandbox::testing
