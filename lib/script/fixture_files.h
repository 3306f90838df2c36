// Reading the fixture files of a --fixtures path (one file, or every *.json
// of a folder in name order) within the limits of limits.h: how many files,
// how large each, how large all together (issue 10). Only regular files are
// read, at most limits::kMaxFileBytes + 1 bytes of each, so a file that grows
// while it is read, a FIFO or /dev/zero cannot make a load read forever.
// Filesystem errors are values here, never exceptions.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"

namespace sandbox::script {

struct FixtureFile {
  std::string name;     // the path as messages show it (printable UTF-8)
  std::string text;     // the whole file, when `problem` is empty
  std::string problem;  // else the message line saying why it was not read
};

// The files of `path`. A Status (one line naming `path`) when there is
// nothing to read: no such path, no *.json in the folder, more than
// limits::kMaxFiles of them, or more than limits::kMaxTotalBytes in all.
Result<std::vector<FixtureFile>> ReadFixtureFiles(const std::string& path);

}  // namespace sandbox::script
