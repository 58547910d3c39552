# Project-wide compile flags: warnings, optional -Werror, optional sanitizers.
add_library(ratls_flags INTERFACE)
target_compile_options(ratls_flags INTERFACE -Wall -Wextra -Wpedantic -Wshadow -Wconversion
  -Wno-sign-conversion -Wnon-virtual-dtor -Wold-style-cast -Wcast-align -Wunused -Woverloaded-virtual
  -Wnull-dereference -Wdouble-promotion -Wformat=2 -Wimplicit-fallthrough)
target_compile_definitions(ratls_flags INTERFACE OPENSSL_API_COMPAT=30000 OPENSSL_NO_DEPRECATED)
if(RATLS_WERROR)
  target_compile_options(ratls_flags INTERFACE -Werror)
endif()
if(RATLS_SANITIZE)
  target_compile_options(ratls_flags INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer
    -fno-sanitize-recover=undefined)
  target_link_options(ratls_flags INTERFACE -fsanitize=address,undefined)
endif()
if(RATLS_SANITIZE_THREAD)
  # GCC warns that TSan does not model the fences inside Asio's handler queue (-Wtsan), and at
  # this build's -O2 reports a null dereference inside CLI11's inlined std::string code.
  target_compile_options(ratls_flags INTERFACE -fsanitize=thread -fno-omit-frame-pointer
    $<$<CXX_COMPILER_ID:GNU>:-Wno-tsan -Wno-null-dereference>)
  target_link_options(ratls_flags INTERFACE -fsanitize=thread)
endif()
if(RATLS_FUZZ)
  target_compile_options(ratls_flags INTERFACE -fsanitize=fuzzer-no-link,address,undefined
    -fno-omit-frame-pointer)
  target_link_options(ratls_flags INTERFACE -fsanitize=address,undefined)
endif()

# GCC 12 at -O3 reports warnings inside inlined Asio code (its recycling allocator: null-dereference,
# mismatched-new-delete) and libstdc++ string concatenation (restrict, GCC bug 105329) that are false
# positives; clang 14 builds these files with every warning on. Set on the sources that need it,
# in proxy/ and in the tests.
set(RATLS_GCC_ASIO_FALSE_POSITIVES "-Wno-null-dereference;-Wno-mismatched-new-delete;-Wno-restrict")
