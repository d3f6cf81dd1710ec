#ifndef MINSHENG_TESTS_UNIT_TEMP_DIR_H_
#define MINSHENG_TESTS_UNIT_TEMP_DIR_H_

#include <cstdlib>
#include <filesystem>
#include <string>

namespace minsheng::testing {

// A fresh directory for one test, removed with everything in it afterwards.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "minsheng-test-XXXXXX");
    path_ = mkdtemp(pattern.data());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace minsheng::testing

#endif  // MINSHENG_TESTS_UNIT_TEMP_DIR_H_
