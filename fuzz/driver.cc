// A deterministic stand-in for libFuzzer, for the regular tests (any compiler): runs the target's
// LLVMFuzzerTestOneInput on every seed of a corpus directory, then on N mutations of them made
// with a fixed random seed (byte flips, insertions of token and option fragments, deletions,
// duplications, splices of two seeds), so every run tries the same inputs. A crash or a sanitizer
// report fails the test as it would fail libFuzzer; scripts/fuzz.sh is the coverage-guided run.
//
//   <target>_smoke CORPUS_DIR N
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

// Pieces of the inputs' grammar, for insertions that reach past the first checks.
const char* const kFragments[] = {":",
                                  "*",
                                  ".",
                                  ";",
                                  "=",
                                  "v1:",
                                  "v2:",
                                  "0",
                                  "1",
                                  "63",
                                  "64",
                                  "-1",
                                  "+1",
                                  "0x10",
                                  "1e3",
                                  "99999999999",
                                  "9223372036854775807",
                                  "dpor.",
                                  "dfs.1",
                                  "\n",
                                  "--jobs=",
                                  "--replay=",
                                  "run",
                                  "--all",
                                  "--time-limit=",
                                  "--hang-limit=",
                                  "[a-z]*",
                                  "?",
                                  "@",
                                  "~v2",
                                  "\x01",
                                  "\xff",
                                  "--json=-",
                                  "--report=",
                                  "--max-steps=",
                                  "2147483648",
                                  "demo/*",
                                  "list",
                                  "*0*",
                                  "=0*9"};

std::string Mutate(const std::vector<std::string>& seeds, std::mt19937_64& rng) {
  auto pick = [&](size_t n) { return static_cast<size_t>(rng() % std::max<size_t>(n, 1)); };
  std::string s = seeds[pick(seeds.size())];
  const int edits = 1 + static_cast<int>(rng() % 4);
  for (int e = 0; e < edits; ++e) {
    const size_t at = pick(s.size() + 1);
    switch (rng() % 6) {
      case 0:
        if (!s.empty()) s[pick(s.size())] ^= static_cast<char>(1u << (rng() % 8));
        break;
      case 1:
        s.insert(at, kFragments[pick(std::size(kFragments))]);
        break;
      case 2:
        s.erase(at, 1 + pick(8));
        break;
      case 3:
        if (!s.empty()) {
          const size_t from = pick(s.size());
          s.insert(at, s.substr(from, 1 + pick(16)));
        }
        break;
      case 4: {
        const std::string& other = seeds[pick(seeds.size())];
        s = s.substr(0, at) + other.substr(std::min(other.size(), pick(other.size() + 1)));
        break;
      }
      default:
        s.insert(at, 1, static_cast<char>(rng() & 0xff));
        break;
    }
    if (s.size() > 2048) s.resize(2048);
  }
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s CORPUS_DIR N\n", argv[0]);
    return 2;
  }
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(argv[1]))
    files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  std::vector<std::string> seeds;
  for (const auto& path : files) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    seeds.push_back(text.str());
  }
  if (seeds.empty()) {
    std::fprintf(stderr, "%s: no seeds in %s\n", argv[0], argv[1]);
    return 2;
  }
  const long n = std::atol(argv[2]);
  auto run = [](const std::string& input) {
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(input.data()), input.size());
  };
  for (const std::string& seed : seeds) run(seed);
  std::mt19937_64 rng(20261207);
  for (long i = 0; i < n; ++i) run(Mutate(seeds, rng));
  std::printf("%zu seeds and %ld mutations: no crash\n", seeds.size(), n);
  return 0;
}
