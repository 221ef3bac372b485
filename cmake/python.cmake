# The Python module eco2 (python/): pybind11 and the headers of Debian's python3 (pybind11-dev, python3-dev).
# ECO2_BUILD_PYTHON defaults to ON when both are found.
if(NOT DEFINED Python3_EXECUTABLE AND EXISTS /usr/bin/python3)
  # Debian's interpreter (the one the tests and the install use), not a pyenv/conda one earlier in PATH.
  set(Python3_EXECUTABLE /usr/bin/python3)
endif()
find_package(Python3 COMPONENTS Interpreter Development.Module QUIET)
if(Python3_FOUND)
  find_package(pybind11 CONFIG QUIET)  # uses the Python3 found above
endif()
if(Python3_FOUND AND pybind11_FOUND)
  set(_eco2_python_default ON)
else()
  set(_eco2_python_default OFF)
endif()
option(ECO2_BUILD_PYTHON "Build the Python module eco2 (needs pybind11-dev and python3-dev)" ${_eco2_python_default})
if(ECO2_BUILD_PYTHON)
  if(NOT (Python3_FOUND AND pybind11_FOUND))
    message(FATAL_ERROR "ECO2_BUILD_PYTHON needs pybind11 and the Python headers: apt-get install pybind11-dev "
                        "python3-dev (or configure with -DECO2_BUILD_PYTHON=OFF)")
  endif()
  # Install directory relative to the prefix, so that `cmake --install --prefix P` stays inside P. On Debian,
  # with the default prefix /usr/local, this is lib/python3.X/dist-packages: on python3's sys.path.
  execute_process(COMMAND ${Python3_EXECUTABLE} -c "import sysconfig; print(sysconfig.get_path('platlib'))"
                  OUTPUT_VARIABLE _eco2_platlib OUTPUT_STRIP_TRAILING_WHITESPACE)
  file(RELATIVE_PATH _eco2_python_dir "${CMAKE_INSTALL_PREFIX}" "${_eco2_platlib}")
  if(_eco2_python_dir STREQUAL "" OR _eco2_python_dir MATCHES "^\\.\\.")
    set(_eco2_python_dir lib/python${Python3_VERSION_MAJOR}.${Python3_VERSION_MINOR}/site-packages)
  endif()
  set(ECO2_PYTHON_INSTALL_DIR "${_eco2_python_dir}" CACHE STRING
      "Where the eco2 Python package is installed, relative to CMAKE_INSTALL_PREFIX")
  # Say which interpreter the module is for, and warn when the python3 a user runs first is another one (a
  # pyenv, conda or venv python3 would not import it).
  find_program(_eco2_path_python3 NAMES python3 NO_CACHE)
  message(STATUS "eco2 Python module: for ${Python3_EXECUTABLE} (Python ${Python3_VERSION}); another: "
                 "-DPython3_EXECUTABLE=/path/to/python3")
  if(_eco2_path_python3)
    file(REAL_PATH "${_eco2_path_python3}" _eco2_path_real)
    file(REAL_PATH "${Python3_EXECUTABLE}" _eco2_chosen_real)
    if(NOT _eco2_path_real STREQUAL _eco2_chosen_real)
      message(NOTICE "eco2: the python3 first on PATH is ${_eco2_path_python3}, not ${Python3_EXECUTABLE} that the "
                     "Python module is built for: run scripts with ${Python3_EXECUTABLE}, or configure with "
                     "-DPython3_EXECUTABLE=${_eco2_path_python3} to build for it")
    endif()
  endif()
  add_subdirectory(python)
endif()
