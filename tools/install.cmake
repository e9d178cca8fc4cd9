# `cmake --install build --prefix P` (docs/fixture.md "Install layout"):
#   bin/           theseus (the simulator, a wrapper that points it at the
#                  installed cells), mkcell, cellinfo, evolve (when built),
#                  theseus-nanotable (the post-link step of a fixture test)
#   libexec/theseus/  the simulator itself, nanocells
#   lib/           libtheseus_fixture.a; theseus/nano_core/: the nano_core and
#                  hosted HAL objects a fixture test links
#   lib/pkgconfig/ theseus-cell.pc (building cells), theseus-fixture.pc
#   include/theseus/  the kernel's public headers (what cells include),
#                  cells/<cell>/*.h (the cells' shared headers), fixture.h
#   share/theseus/ cells/*.o, cell.flags and cell.include (for mkcell),
#                  boot/ (the bare-metal image, and the ISO when built),
#                  example/ (the out-of-tree example project)
# Included last by the top CMakeLists.txt, so every target exists; rules run
# in this order (CMP0082).
include(GNUInstallDirs)
set(THESEUS_NANO_CORE_DEST ${CMAKE_INSTALL_LIBDIR}/theseus/nano_core)

# --- programs ---------------------------------------------------------------
install(TARGETS theseus DESTINATION ${CMAKE_INSTALL_LIBEXECDIR}/theseus)
install(TARGETS nanocells DESTINATION ${CMAKE_INSTALL_LIBEXECDIR}/theseus)
install(PROGRAMS ${CMAKE_SOURCE_DIR}/tools/fixture/theseus.sh DESTINATION ${CMAKE_INSTALL_BINDIR} RENAME theseus)
install(PROGRAMS ${CMAKE_SOURCE_DIR}/tools/mkcell ${CMAKE_SOURCE_DIR}/tools/fixture/theseus-nanotable
	DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS cellinfo DESTINATION ${CMAKE_INSTALL_BINDIR})
if(TARGET evolve)
	install(TARGETS evolve DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()

# --- cells and what building one needs ------------------------------------------
install(DIRECTORY ${THESEUS_CELL_DIR}/ DESTINATION ${CMAKE_INSTALL_DATADIR}/theseus/cells
	FILES_MATCHING PATTERN "*.o")
install(FILES ${CMAKE_SOURCE_DIR}/tools/cell.flags DESTINATION ${CMAKE_INSTALL_DATADIR}/theseus)
# cell.include names directories relative to the tree; installed, relative to the prefix.
file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/installed/cell.include
	"# What a cell may include, relative to the install prefix (tools/cell.include in the tree).\n"
	"${CMAKE_INSTALL_INCLUDEDIR}/theseus\n${CMAKE_INSTALL_INCLUDEDIR}/theseus/cells\n")
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/installed/cell.include DESTINATION ${CMAKE_INSTALL_DATADIR}/theseus)
install(DIRECTORY ${CMAKE_SOURCE_DIR}/kernel/include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/theseus
	FILES_MATCHING PATTERN "*.h")
file(GLOB THESEUS_CELL_HEADERS CONFIGURE_DEPENDS RELATIVE ${CMAKE_SOURCE_DIR}/cells ${CMAKE_SOURCE_DIR}/cells/*/*.h)
foreach(h ${THESEUS_CELL_HEADERS})
	get_filename_component(dir ${h} DIRECTORY)
	install(FILES ${CMAKE_SOURCE_DIR}/cells/${h} DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/theseus/cells/${dir})
endforeach()

# --- the bare-metal image --------------------------------------------------------
install(TARGETS theseus_x86_64 DESTINATION ${CMAKE_INSTALL_DATADIR}/theseus/boot)
install(FILES ${CMAKE_BINARY_DIR}/theseus-x86_64.elf32 DESTINATION ${CMAKE_INSTALL_DATADIR}/theseus/boot)
if(TARGET iso)
	install(FILES ${CMAKE_BINARY_DIR}/theseus.iso DESTINATION ${CMAKE_INSTALL_DATADIR}/theseus/boot)
endif()

# --- the fixture ---------------------------------------------------------------------
install(TARGETS theseus_fixture DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(FILES ${CMAKE_SOURCE_DIR}/tools/fixture/fixture.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/theseus)
# The objects keep their paths under the tree (kernel/<folder>/..., hal-hosted/...),
# which is how nanocells tells the nano_core's cells apart; a fresh directory,
# so no object of an older install is linked.
install(CODE "file(REMOVE_RECURSE \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/${THESEUS_NANO_CORE_DEST}\")")
install(TARGETS nano_core hal_hosted OBJECTS DESTINATION ${THESEUS_NANO_CORE_DEST})
install(DIRECTORY ${CMAKE_SOURCE_DIR}/tools/example/ DESTINATION ${CMAKE_INSTALL_DATADIR}/theseus/example)

# --- pkg-config files, written at install time for the prefix installed to ------------
file(STRINGS ${CMAKE_SOURCE_DIR}/tools/cell.flags THESEUS_PC_CELL_FLAGS REGEX "^-")
list(JOIN THESEUS_PC_CELL_FLAGS " " THESEUS_PC_CELL_FLAGS)
install(CODE "
	set(THESEUS_PC_CELL_FLAGS \"${THESEUS_PC_CELL_FLAGS}\")
	set(THESEUS_PC_LIBDIR \"${CMAKE_INSTALL_LIBDIR}\")
	set(THESEUS_PC_INCLUDEDIR \"${CMAKE_INSTALL_INCLUDEDIR}\")
	set(THESEUS_PC_BINDIR \"${CMAKE_INSTALL_BINDIR}\")
	set(THESEUS_PC_DATADIR \"${CMAKE_INSTALL_DATADIR}\")
	set(THESEUS_PC_NANO_CORE \"${THESEUS_NANO_CORE_DEST}\")
	set(THESEUS_PC_TEMPLATES \"${CMAKE_SOURCE_DIR}/tools/fixture\")
	set(THESEUS_PC_OUT \"${CMAKE_CURRENT_BINARY_DIR}/installed\")
	include(\"${CMAKE_SOURCE_DIR}/tools/fixture/write_pc.cmake\")")
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/installed/theseus-cell.pc
	${CMAKE_CURRENT_BINARY_DIR}/installed/theseus-fixture.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
