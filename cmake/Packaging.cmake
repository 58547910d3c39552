# The Debian package (`make deb`, docs/packaging.md): CPack's DEB generator over the install rules
# of CMakeLists.txt, plus what only a Debian package carries (component deb, installed by CPack
# and never by `cmake --install`): the compressed man page, the DEP-5 copyright file and the
# compressed Debian changelog.

# packaging/deb/changelog is the one place for the Debian revision; its upstream version must be
# the project's.
file(STRINGS packaging/deb/changelog _ratls_changelog_head LIMIT_COUNT 1)
if(NOT _ratls_changelog_head MATCHES "^ratls-gateway \\(([^)-]+)-([^)]+)\\) ")
  message(FATAL_ERROR
    "packaging/deb/changelog: the first line is not 'ratls-gateway (VERSION-REVISION) ...'")
endif()
if(NOT CMAKE_MATCH_1 STREQUAL PROJECT_VERSION)
  message(FATAL_ERROR "packaging/deb/changelog is for ${CMAKE_MATCH_1}, the project is "
                      "${PROJECT_VERSION}: add a changelog entry")
endif()
set(RATLS_DEB_REVISION "${CMAKE_MATCH_2}")
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS packaging/deb/changelog)

# gzip -9n: maximum compression, no name or timestamp in the header (reproducible).
set(_ratls_deb_dir ${CMAKE_BINARY_DIR}/packaging)
set(_ratls_man_gz ${_ratls_deb_dir}/ratls-gateway.1.gz)
set(_ratls_changelog_gz ${_ratls_deb_dir}/changelog.Debian.gz)
add_custom_command(OUTPUT ${_ratls_man_gz} ${_ratls_changelog_gz}
  COMMAND ${CMAKE_COMMAND} -E copy ${PROJECT_SOURCE_DIR}/docs/ratls-gateway.1
          ${_ratls_deb_dir}/ratls-gateway.1
  COMMAND ${CMAKE_COMMAND} -E copy ${PROJECT_SOURCE_DIR}/packaging/deb/changelog
          ${_ratls_deb_dir}/changelog.Debian
  COMMAND gzip -9nf ${_ratls_deb_dir}/ratls-gateway.1 ${_ratls_deb_dir}/changelog.Debian
  DEPENDS docs/ratls-gateway.1 packaging/deb/changelog
  COMMENT "Compressing the man page and the Debian changelog"
  VERBATIM)
add_custom_target(deb_files ALL DEPENDS ${_ratls_man_gz} ${_ratls_changelog_gz})
install(FILES ${_ratls_man_gz} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1
        COMPONENT deb EXCLUDE_FROM_ALL)
install(FILES packaging/deb/copyright ${_ratls_changelog_gz} DESTINATION ${CMAKE_INSTALL_DOCDIR}
        COMPONENT deb EXCLUDE_FROM_ALL)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME ratls-gateway)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_DEBIAN_PACKAGE_RELEASE ${RATLS_DEB_REVISION})
# ratls-gateway_<upstream version>-<revision>_<architecture>.deb, in the build directory.
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
# The default component and the Debian-only one; not `man` (the uncompressed man page).
set(CPACK_INSTALL_CMAKE_PROJECTS
    "${CMAKE_BINARY_DIR};${PROJECT_NAME};Unspecified;/;${CMAKE_BINARY_DIR};${PROJECT_NAME};deb;/")
set(CPACK_STRIP_FILES ON)
# Directories in the package are 0755 whatever the umask of the one who runs cpack.
set(CPACK_PRE_BUILD_SCRIPTS ${PROJECT_SOURCE_DIR}/cmake/DebStaging.cmake)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER
    "Seed c9d9e831 maintainers <maintainers@users.noreply.h-seed-c9d9e831.example>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "verified loopback endpoints for enclave web apps (RA-TLS)")
# Debian wants description lines of at most 80 characters; these stay under 72.
set(CPACK_PACKAGE_DESCRIPTION
    "ratls-gateway is a small workstation daemon for web apps that run inside
a confidential-computing enclave (Intel SGX or TDX, e.g. Cosmian
Enclave). On every new upstream connection it verifies the app's RA-TLS
certificate: the DCAP quote inside it, its collateral up to Intel's
root, the expected measurements and the binding of the TLS key. It pins
the result and serves the app on plain HTTP on the loopback interface
(APP.localhost, port 7443), so that browsers and scripts reach it with
no certificate import.

The package contains the ratls-gateway command (verification of quotes,
certificates and live apps, the daemon, pins and status), systemd user
units for socket activation, an example configuration with its JSON
schema, the man page and the documentation.")
include(CPack)
