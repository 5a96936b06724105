# The toolkit's Debian packages (CPack DEB, one package per install component), built by scripts/package:
#   opt-sim-provisioner  component provisioner: the CLI, profiles and XSDs, docs, man pages, completion, udev rules
#   libsim-dev           component libsim-dev:  libsim.a, headers, CMake package config, pkg-config file
#   opt-sim-virtual-rig  component virtual-rig: simcard-stub, virtual-rig, card descriptions, the rig's reader.conf
# The targets' own install rules sit beside them (libsim/, provisioner/, firmware-stubs/); data files here.

# What the packages hold: scripts/package builds this target, then cpack installs without building all (tests
# and benchmarks are not packaged; tests/run packages the tree it has just built).
add_custom_target(sim_packaged)
add_dependencies(sim_packaged sim provisioner provisioner_reference simcard-stub)
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)

# ---- data files ------------------------------------------------------------------------------------------------
install(DIRECTORY ${PROJECT_SOURCE_DIR}/profiles/ DESTINATION ${CMAKE_INSTALL_DATADIR}/opt-sim/profiles
        COMPONENT provisioner)
install(FILES ${PROJECT_SOURCE_DIR}/README.md DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/opt-sim-provisioner
        COMPONENT provisioner)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/docs/ DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/opt-sim-provisioner/docs
        COMPONENT provisioner)
install(FILES ${PROJECT_SOURCE_DIR}/hw/readers.md DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/opt-sim-provisioner
        COMPONENT provisioner)
# udev reads /usr/lib/udev/rules.d (as well as /lib/udev/rules.d, the same directory on a merged-/usr Debian 12).
install(FILES ${PROJECT_SOURCE_DIR}/hw/udev/60-opt-nc-ccid-readers.rules DESTINATION lib/udev/rules.d
        COMPONENT provisioner)

install(PROGRAMS ${PROJECT_SOURCE_DIR}/hw/rig/virtual-rig DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT virtual-rig)
# The rig's reader.conf keeps its own name (opt-nc-virtual-rig, never Debian's vpcd). It is not put into
# /etc/reader.conf.d: `virtual-rig start` runs a pcscd of its own from a copy, and `virtual-rig install-conf`
# installs it for the system pcscd on demand (a system pcscd must not get vpcd readers by installing a package).
install(FILES ${PROJECT_SOURCE_DIR}/hw/pcsc/reader.conf.d/opt-nc-virtual-rig
        DESTINATION ${CMAKE_INSTALL_DATADIR}/opt-sim/reader.conf.d COMPONENT virtual-rig)
install(FILES ${PROJECT_SOURCE_DIR}/hw/readers.md DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/opt-sim-virtual-rig
        COMPONENT virtual-rig)

# Man pages of the rig's two programs, from their own --help at build time (cmake/help_to_man.sh), as the
# provisioner's pages come from its CLI.
set(SIM_RIG_MAN_DIR ${CMAKE_BINARY_DIR}/man-rig/man1)
add_custom_command(
  OUTPUT ${SIM_RIG_MAN_DIR}/simcard-stub.1.gz ${SIM_RIG_MAN_DIR}/virtual-rig.1.gz
  COMMAND sh ${PROJECT_SOURCE_DIR}/cmake/help_to_man.sh ${SIM_RIG_MAN_DIR}/simcard-stub.1.gz simcard-stub
          "simulated SIM/USIM card that pcscd reaches through the vsmartcard vpcd driver"
          "virtual-rig(1), provisioner(1), pcscd(8)" $<TARGET_FILE:simcard-stub>
  COMMAND sh ${PROJECT_SOURCE_DIR}/cmake/help_to_man.sh ${SIM_RIG_MAN_DIR}/virtual-rig.1.gz virtual-rig
          "run up to 8 simulated SIM cards behind pcscd's vpcd readers (training, demos, tests)"
          "simcard-stub(1), provisioner(1), pcscd(8); /usr/share/doc/opt-sim-virtual-rig/readers.md"
          ${PROJECT_SOURCE_DIR}/hw/rig/virtual-rig
  DEPENDS simcard-stub ${PROJECT_SOURCE_DIR}/hw/rig/virtual-rig ${PROJECT_SOURCE_DIR}/cmake/help_to_man.sh
  COMMENT "virtual rig: man pages from simcard-stub --help and virtual-rig --help"
  VERBATIM)
add_custom_target(sim_rig_man_pages ALL DEPENDS ${SIM_RIG_MAN_DIR}/simcard-stub.1.gz
                                                ${SIM_RIG_MAN_DIR}/virtual-rig.1.gz)
add_dependencies(sim_packaged sim_rig_man_pages)
install(FILES ${SIM_RIG_MAN_DIR}/simcard-stub.1.gz ${SIM_RIG_MAN_DIR}/virtual-rig.1.gz
        DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 COMPONENT virtual-rig)

# ---- per package: copyright and changelog (Debian policy 12.5, 12.7) --------------------------------------------
set(SIM_DEB_RELEASE 1)
set(SIM_DEB_PACKAGES provisioner:opt-sim-provisioner libsim-dev:libsim-dev virtual-rig:opt-sim-virtual-rig)
foreach(entry IN LISTS SIM_DEB_PACKAGES)
  string(REPLACE ":" ";" entry "${entry}")
  list(GET entry 0 component)
  list(GET entry 1 DEB_PACKAGE)
  set(DEB_VERSION ${PROJECT_VERSION}-${SIM_DEB_RELEASE})
  set(doc_build ${CMAKE_BINARY_DIR}/packaging/${DEB_PACKAGE})
  configure_file(${PROJECT_SOURCE_DIR}/packaging/changelog.in ${doc_build}/changelog.Debian @ONLY)
  # gzip -9n: no name or time stamp, so the package is reproducible.
  execute_process(COMMAND gzip -9nc ${doc_build}/changelog.Debian OUTPUT_FILE ${doc_build}/changelog.Debian.gz
                  COMMAND_ERROR_IS_FATAL ANY)
  install(FILES ${PROJECT_SOURCE_DIR}/packaging/copyright ${doc_build}/changelog.Debian.gz
          DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/${DEB_PACKAGE} COMPONENT ${component})
endforeach()

# ---- CPack DEB ---------------------------------------------------------------------------------------------
set(CPACK_GENERATOR DEB)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL provisioner libsim-dev virtual-rig)
set(CPACK_PACKAGE_NAME opt-sim)
set(CPACK_PACKAGE_VENDOR "OPT-NC")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX ${CMAKE_INSTALL_PREFIX})
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_RELEASE ${SIM_DEB_RELEASE})
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "OPT-NC SIM toolkit <sim-toolkit@opt-toolkit.invalid>")
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Runtime libraries from dpkg-shlibdeps on the ELF files (libpcsclite1, libssl3, libsqlite3-0, libpq5 ...).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

set(CPACK_DEBIAN_PROVISIONER_PACKAGE_NAME opt-sim-provisioner)
set(CPACK_DEBIAN_PROVISIONER_PACKAGE_SECTION utils)
# pcscd is a daemon the library talks to, not a library dpkg-shlibdeps could see.
set(CPACK_DEBIAN_PROVISIONER_PACKAGE_DEPENDS "pcscd")
set(CPACK_DEBIAN_PROVISIONER_PACKAGE_CONTROL_EXTRA
    ${PROJECT_SOURCE_DIR}/packaging/provisioner/postinst ${PROJECT_SOURCE_DIR}/packaging/provisioner/postrm)
set(CPACK_COMPONENT_PROVISIONER_DESCRIPTION
    "OPT-NC SIM provisioning tool
The provisioner reads, diagnoses and personalises SIM/USIM cards through PC/SC
readers: batch issuance at a multi-reader station from XML offer profiles and
orders, the journal (SQLite or PostgreSQL), outputs for the back office,
agency flows and the field technician's verbs. With the offer profiles, man
pages, bash completion and udev rules for USB smart-card readers.")

set(CPACK_DEBIAN_LIBSIM-DEV_PACKAGE_NAME libsim-dev)
set(CPACK_DEBIAN_LIBSIM-DEV_PACKAGE_SECTION libdevel)
# libsim is static: a program linking it links what libsim links (cmake/simConfig.cmake.in finds them).
set(CPACK_DEBIAN_LIBSIM-DEV_PACKAGE_DEPENDS
    "libfmt-dev, libspdlog-dev, nlohmann-json3-dev (>= 3), libssl-dev (>= 3), libpcsclite-dev, pkg-config")
set(CPACK_COMPONENT_LIBSIM-DEV_DESCRIPTION
    "OPT-NC SIM card library (development files)
libsim speaks APDUs to SIM/USIM cards through PC/SC readers (pcsc-lite):
transports, the card layer, the EF catalogue and codecs, PIN/PUK/ADM and the
Milenage/COMP128 checks. A static library with its headers, a CMake package
config (find_package(sim) gives the target sim::sim) and a pkg-config file
(sim).")

set(CPACK_DEBIAN_VIRTUAL-RIG_PACKAGE_NAME opt-sim-virtual-rig)
set(CPACK_DEBIAN_VIRTUAL-RIG_PACKAGE_SECTION misc)
set(CPACK_DEBIAN_VIRTUAL-RIG_PACKAGE_DEPENDS "vsmartcard-vpcd, pcscd, procps, iproute2")
set(CPACK_COMPONENT_VIRTUAL-RIG_DESCRIPTION
    "OPT-NC SIM toolkit virtual rig (training, demos, tests)
Simulated SIM/USIM cards (simcard-stub) that a real pcscd reaches through the
vsmartcard vpcd driver, the virtual-rig script that runs up to 8 of them, the
card descriptions and the rig's reader.conf. Never for a production station:
vpcd readers listen on TCP on every interface.")

include(CPack)
