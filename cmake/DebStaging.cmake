# CPack pre-build script (CPACK_PRE_BUILD_SCRIPTS in cmake/Packaging.cmake): runs on the staging
# tree after the install and before the .deb is made. CMake creates the install's directories with
# mkdir(2), so the umask of whoever runs cpack decides their mode (umask 077 gave drwx------ in the
# package; CMAKE_INSTALL_DEFAULT_DIRECTORY_PERMISSIONS does not override the umask). Files already
# have explicit modes (0755 programs, 0644 the rest).
file(CHMOD_RECURSE "${CPACK_TEMPORARY_INSTALL_DIRECTORY}" DIRECTORY_PERMISSIONS
     OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
