// The file helpers every command uses: bounded reads, atomic private writes.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "proxy/common/file_io.h"
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

// A symbolic link where the temporary file goes is not written through: its target (outside the
// directory) keeps its content, the write fails naming the temporary file, and the link is gone.
TEST(FileIo, AtomicWriteNeverFollowsALinkInPlaceOfItsTemporaryFile) {
  test::TempDir dir;
  const std::string target = dir.write("elsewhere.txt", "keep me");
  std::filesystem::create_directory(dir.path() / "state");
  const std::string path = dir.file("state/pins.json");
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  std::filesystem::create_symlink(target, tmp);
  try {
    write_file_atomic(path, "new", 0600);
    FAIL() << "wrote through a symbolic link";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()),
              "cannot write " + path + ": create " + tmp + ": Too many levels of symbolic links");
  }
  EXPECT_EQ(read_file(target), (attest::Bytes{'k', 'e', 'e', 'p', ' ', 'm', 'e'}));
  EXPECT_FALSE(std::filesystem::exists(std::filesystem::symlink_status(tmp)));
  EXPECT_FALSE(std::filesystem::exists(path));
}

unsigned mode_of(const std::filesystem::path& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

// The umask is per process: set for one test, restored after it.
class Umask {
 public:
  explicit Umask(mode_t mask) : old_(::umask(mask)) {}
  ~Umask() { ::umask(old_); }
  Umask(const Umask&) = delete;
  Umask& operator=(const Umask&) = delete;

 private:
  mode_t old_;
};

TEST(FileIo, PrivateDirectoriesAre0700WhateverTheUmask) {
  // 0277 would leave mkdir(0700) at 0500: the mode must be set, not requested.
  for (const mode_t mask : {mode_t{0}, mode_t{022}, mode_t{0277}}) {
    SCOPED_TRACE(mask);
    test::TempDir dir;
    ::chmod(dir.path().c_str(), 0755);  // an existing parent such as $HOME
    const std::filesystem::path state = dir.path() / "local" / "state" / "ratls-gateway";
    {
      const Umask umask(mask);
      EXPECT_TRUE(create_private_directories(state.string() + "/"));
    }
    EXPECT_EQ(mode_of(dir.path() / "local"), 0700u);
    EXPECT_EQ(mode_of(dir.path() / "local" / "state"), 0700u);
    EXPECT_EQ(mode_of(state), 0700u);
    EXPECT_EQ(mode_of(dir.path()), 0755u);  // not ours: left as it was
  }
}

TEST(FileIo, ExistingDirectoriesKeepTheirMode) {
  test::TempDir dir;
  const std::filesystem::path shared = dir.path() / "shared";
  std::filesystem::create_directory(shared);
  ::chmod(shared.c_str(), 0750);
  EXPECT_FALSE(create_private_directories(shared.string()));
  EXPECT_EQ(mode_of(shared), 0750u);
  EXPECT_TRUE(create_private_directories((shared / "inner").string()));
  EXPECT_EQ(mode_of(shared / "inner"), 0700u);
  EXPECT_EQ(mode_of(shared), 0750u);
}

TEST(FileIo, PrivateDirectoriesNameTheComponentThatIsNotADirectory) {
  test::TempDir dir;
  const std::string blocker = dir.write("file", "x");
  try {
    create_private_directories(blocker + "/a/b");
    FAIL() << "created directories under a file";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()), "cannot create directory " + blocker + ": not a directory");
  }
  EXPECT_THROW(create_private_directories(""), std::runtime_error);
}

TEST(FileIo, AtomicWriteModeIgnoresTheUmask) {
  test::TempDir dir;
  const std::string path = dir.file("pins.json");
  {
    const Umask umask(0277);
    write_file_atomic(path, "{}", 0600);
  }
  EXPECT_EQ(mode_of(path), 0600u);
}

}  // namespace
}  // namespace ratls::proxy
