// Deterministic ids (DESIGN.md "Determinism rules"): an object's id is a pure
// function of the seed, the kind of object, its parent's id and its ordinal
// among that parent's children. Nothing here reads time or a random source, so
// the same seed and the same request sequence give the same ids on any machine.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace sandbox {

class IdGenerator {
 public:
  explicit IdGenerator(uint64_t seed) : seed_(seed) {}
  uint64_t seed() const { return seed_; }
  // A version-4-shaped UUID, e.g. "3f2b...-...-4...-8...-...".
  std::string Uuid(std::string_view kind, std::string_view parent, uint64_t ordinal) const;
  // 32 lowercase hex digits with a prefix, e.g. "intr_0c1d...".
  std::string Prefixed(std::string_view prefix, std::string_view kind, std::string_view parent, uint64_t ordinal) const;

 private:
  void Hash128(std::string_view kind, std::string_view parent, uint64_t ordinal, uint64_t out[2]) const;
  uint64_t seed_;
};

// True for the 8-4-4-4-12 lowercase-or-uppercase hex form.
bool IsUuid(std::string_view text);

}  // namespace sandbox
