// The file helpers every command uses: bounded reads, atomic private writes.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

#include "proxy/file_io.h"
#include "tests/support/process.h"

namespace ratls::proxy {
namespace {

TEST(FileIo, ReadsAFileWhole) {
  test::TempDir dir;
  const std::string path = dir.write("a.pem", "hello");
  EXPECT_EQ(read_file(path), (attest::Bytes{'h', 'e', 'l', 'l', 'o'}));
}

TEST(FileIo, ReadingAnEndlessDeviceIsAnErrorNotExhaustedMemory) {
  try {
    (void)read_file("/dev/zero");
    FAIL() << "read /dev/zero to the end";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("/dev/zero: larger than 64 MiB"), std::string::npos)
        << e.what();
  }
}

TEST(FileIo, MissingFilesAndDirectoriesNameThePath) {
  test::TempDir dir;
  try {
    (void)read_file(dir.file("missing.json"));
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("missing.json"), std::string::npos) << e.what();
  }
  try {
    (void)read_file(dir.path().string());
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("is a directory"), std::string::npos) << e.what();
  }
}

TEST(FileIo, AtomicWriteSetsTheModeAndLeavesNoTemporaryFile) {
  test::TempDir dir;
  const std::string path = dir.file("key.pem");
  write_file_atomic(path, "secret", 0600);
  struct stat st {};
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  write_file_atomic(path, "replaced", 0600);
  EXPECT_EQ(read_file(path), (attest::Bytes{'r', 'e', 'p', 'l', 'a', 'c', 'e', 'd'}));
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()),
                          std::filesystem::directory_iterator{}),
            1);
}

}  // namespace
}  // namespace ratls::proxy
