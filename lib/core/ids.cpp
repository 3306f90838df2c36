// The id hash: FNV-1a over (kind, parent, ordinal), mixed with the seed through
// two independent splitmix64 finalisers to fill 128 bits. Fixed-width integer
// arithmetic only, so the result is identical on every platform.
#include "core/ids.h"

#include <charconv>

namespace sandbox {
namespace {

uint64_t SplitMix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

uint64_t Fnv(uint64_t h, std::string_view bytes) {
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  // A separator so ("ab","c") and ("a","bc") differ.
  h ^= 0xff;
  h *= 0x100000001b3ULL;
  return h;
}

}  // namespace

void IdGenerator::Hash128(std::string_view kind, std::string_view parent, uint64_t ordinal, uint64_t out[2]) const {
  uint64_t h = Fnv(0xcbf29ce484222325ULL, kind);
  h = Fnv(h, parent);
  char ord[24];
  char* end = std::to_chars(ord, ord + sizeof ord, ordinal).ptr;
  h = Fnv(h, std::string_view(ord, static_cast<size_t>(end - ord)));
  out[0] = SplitMix(h ^ SplitMix(seed_));
  out[1] = SplitMix(out[0] ^ SplitMix(seed_ + 0x632be59bd9b4e019ULL) ^ h);
}

namespace {

// `digits` lower-case hex digits of `v` at `out` (snprintf's %0Nllx, which
// was a tenth of the cost of making an event).
char* PutHex(char* out, uint64_t v, int digits) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (int i = digits - 1; i >= 0; --i) {
    out[i] = kHex[v & 0xf];
    v >>= 4;
  }
  return out + digits;
}

}  // namespace

std::string IdGenerator::Uuid(std::string_view kind, std::string_view parent, uint64_t ordinal) const {
  uint64_t h[2];
  Hash128(kind, parent, ordinal, h);
  h[0] = (h[0] & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;  // version 4
  h[1] = (h[1] & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;  // RFC 4122 variant
  std::string out(36, '-');
  char* p = out.data();
  p = PutHex(p, h[0] >> 32, 8) + 1;
  p = PutHex(p, (h[0] >> 16) & 0xffff, 4) + 1;
  p = PutHex(p, h[0] & 0xffff, 4) + 1;
  p = PutHex(p, h[1] >> 48, 4) + 1;
  PutHex(p, h[1] & 0xffffffffffffULL, 12);
  return out;
}

std::string IdGenerator::Prefixed(std::string_view prefix, std::string_view kind, std::string_view parent,
                                  uint64_t ordinal) const {
  uint64_t h[2];
  Hash128(kind, parent, ordinal, h);
  std::string out(prefix);
  out.resize(prefix.size() + 32);
  PutHex(PutHex(out.data() + prefix.size(), h[0], 16), h[1], 16);
  return out;
}

bool IsUuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
      return false;
    }
  }
  return true;
}

}  // namespace sandbox
