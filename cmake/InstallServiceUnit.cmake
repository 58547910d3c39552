# Install-time script (install(SCRIPT) in CMakeLists.txt): writes the systemd service unit with
# ExecStart naming the binary under the prefix being installed to, then installs it like any file
# (DESTDIR, install manifest, 0644). The caller sets RATLS_SERVICE_TEMPLATE, RATLS_BINDIR and
# RATLS_SCRATCH_DIR.
if(IS_ABSOLUTE "${RATLS_BINDIR}")
  set(CMAKE_INSTALL_FULL_BINDIR "${RATLS_BINDIR}")
else()
  set(CMAKE_INSTALL_FULL_BINDIR "${CMAKE_INSTALL_PREFIX}/${RATLS_BINDIR}")
endif()
# One scratch folder per destination, so that installs running at the same time (ctest -j) with
# different prefixes do not write the same file.
string(MD5 _ratls_key "$ENV{DESTDIR}|${CMAKE_INSTALL_PREFIX}")
set(_ratls_scratch "${RATLS_SCRATCH_DIR}/${_ratls_key}")
configure_file("${RATLS_SERVICE_TEMPLATE}" "${_ratls_scratch}/ratls-gateway.service" @ONLY)
file(INSTALL DESTINATION "${CMAKE_INSTALL_PREFIX}/lib/systemd/user" TYPE FILE
     FILES "${_ratls_scratch}/ratls-gateway.service")
file(REMOVE_RECURSE "${_ratls_scratch}")
