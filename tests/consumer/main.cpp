// A downstream program: proves that the installed package (find_package) and add_subdirectory
// both give a target that compiles and links the umbrella header.
#include <coassist/coassist.hpp>

#include <cstdio>

int main() {
  asio::io_context io;
  std::printf("coassist %s\n", COASSIST_VERSION_STRING);
  return 0;
}
