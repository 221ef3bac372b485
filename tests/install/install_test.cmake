# Installs eco2 into a temporary prefix and builds the C and C++ examples against the installed tree only:
# through find_package(eco2) (each example's CMakeLists.txt, configured here as a project of its own) and through
# pkg-config (cc track.c $(pkg-config --cflags --libs eco2)). Each program must compile and run. Also imports
# the installed Python package when it was built.
#
#   cmake -DBUILD_DIR=... -DSOURCE_DIR=... -DWORK_DIR=... -DCC=... [-DPYTHON=... -DPYTHON_DIR=...] -P install_test.cmake
foreach(v BUILD_DIR SOURCE_DIR WORK_DIR CC)
  if(NOT DEFINED ${v})
    message(FATAL_ERROR "install_test: -D${v}=... is required")
  endif()
endforeach()

function(run)
  cmake_parse_arguments(R "" "WORKING_DIRECTORY;OUTPUT" "COMMAND" ${ARGN})
  if(NOT R_WORKING_DIRECTORY)
    set(R_WORKING_DIRECTORY ${WORK_DIR})
  endif()
  execute_process(COMMAND ${R_COMMAND} WORKING_DIRECTORY ${R_WORKING_DIRECTORY} RESULT_VARIABLE rc
                  OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    list(JOIN R_COMMAND " " cmd)
    message(FATAL_ERROR "install_test: `${cmd}` failed (${rc}):\n${out}\n${err}")
  endif()
  if(R_OUTPUT)
    set(${R_OUTPUT} "${out}" PARENT_SCOPE)
  endif()
endfunction()

file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})
set(prefix ${WORK_DIR}/prefix)
run(COMMAND ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix})

# What a consumer needs is there.
foreach(f include/eco2/eco2.h include/eco2/c_export.h include/eco2/export.h include/eco2/tracker.hpp
          include/eco2/record.hpp include/eco2/zones.hpp lib/libeco2.a lib/libeco2_c.so
          lib/cmake/eco2/eco2Config.cmake lib/cmake/eco2/eco2ConfigVersion.cmake lib/cmake/eco2/eco2Targets.cmake
          lib/pkgconfig/eco2.pc bin/eco2)
  if(NOT EXISTS ${prefix}/${f})
    message(FATAL_ERROR "install_test: ${f} was not installed")
  endif()
endforeach()

# The installed eco2 finds its HTTP module (lib/eco2, loaded only for --geolocate): asking a closed local port
# fails for want of an answer, not of the module.
run(COMMAND ${prefix}/bin/eco2 where --geolocate --geolocate-url http://127.0.0.1:9/json --geolocate-timeout 0.3
            --format json OUTPUT where_json)
if(where_json MATCHES "HTTP module" OR NOT where_json MATCHES "no answer from http://127.0.0.1:9/json")
  message(FATAL_ERROR "install_test: the installed eco2 did not reach its HTTP module:\n${where_json}")
endif()
message(STATUS "eco2 --geolocate: HTTP module found")

# Programs run against the installed library, with no build tree or system path to fall back on.
set(ENV{ECO2_SYS_ROOT} ${SOURCE_DIR}/tests/fixtures/no_rapl/sys)
set(ENV{ECO2_NVML_LIBRARY} ${WORK_DIR}/no-nvml.so)

function(check_example name exe)
  run(COMMAND ${exe} ${WORK_DIR}/${name}.csv 2 FR OUTPUT out)
  if(NOT out MATCHES "epoch: 2, loss: 0\\.5, phase: main: cpu [0-9.]+ J" OR NOT out MATCHES "status completed")
    message(FATAL_ERROR "install_test: ${name} printed an unexpected result:\n${out}")
  endif()
  message(STATUS "${name}: ok")
endfunction()

# find_package(eco2): the examples' own CMake projects, configured against the prefix only.
foreach(lang c cpp)
  run(COMMAND ${CMAKE_COMMAND} -S ${SOURCE_DIR}/examples/${lang} -B ${WORK_DIR}/build-${lang}
              -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF -DCMAKE_BUILD_TYPE=Release)
  run(COMMAND ${CMAKE_COMMAND} --build ${WORK_DIR}/build-${lang})
  check_example(find_package_${lang} ${WORK_DIR}/build-${lang}/track_${lang})
endforeach()

# pkg-config, as a C user would type it.
set(ENV{PKG_CONFIG_PATH} ${prefix}/lib/pkgconfig)
run(COMMAND pkg-config --cflags --libs eco2 OUTPUT flags)
string(STRIP "${flags}" flags)
separate_arguments(flags UNIX_COMMAND "${flags}")
if(NOT flags MATCHES "${prefix}")
  message(FATAL_ERROR "install_test: pkg-config flags do not point into the prefix: ${flags}")
endif()
run(COMMAND ${CC} -std=c99 -Wall -Wextra -Werror ${SOURCE_DIR}/examples/c/track.c ${flags} -lm
            -o ${WORK_DIR}/track_c_pkgconfig)
set(ENV{LD_LIBRARY_PATH} ${prefix}/lib)
check_example(pkg_config_c ${WORK_DIR}/track_c_pkgconfig)
unset(ENV{LD_LIBRARY_PATH})

# The Python package, when it was built: importable from the installed tree, with its compiled module.
if(PYTHON)
  set(site ${prefix}/${PYTHON_DIR})
  if(NOT EXISTS ${site}/eco2/__init__.py)
    message(FATAL_ERROR "install_test: the Python package was not installed in ${site}")
  endif()
  set(ENV{PYTHONPATH} ${site})
  set(ENV{XDG_CONFIG_HOME} ${WORK_DIR}/xdg)
  run(COMMAND ${PYTHON} -c "import eco2, eco2._core, sys; assert eco2.__file__.startswith(sys.argv[1]), eco2.__file__; print(eco2.__version__)" ${site}
      WORKING_DIRECTORY ${WORK_DIR})
  message(STATUS "python: ok (${site})")
endif()
