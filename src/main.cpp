#include <csignal>
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include "app/application.hpp"
#include "app/config.hpp"
#include "build_info.hpp"

int main(int argc, char** argv) {
  // A closed stdout or a vanished peer must be an error value, not a fatal signal.
  std::signal(SIGPIPE, SIG_IGN);

  glassbox::app::ParsedCommandLine parsed;
  try {
    parsed = glassbox::app::parse_command_line(glassbox::app::current_environment(),
                                               std::vector<std::string>(argv + 1, argv + argc));
  } catch (const glassbox::app::ConfigError& error) {
    std::cerr << "glassbox: invalid configuration: " << error.what() << "\n"
              << "Run 'glassbox --help' for the settings and their formats.\n";
    return 2;
  }

  switch (parsed.action) {
    case glassbox::app::CommandAction::kHelp:
      std::cout << glassbox::app::help_text();
      return 0;
    case glassbox::app::CommandAction::kVersion:
      std::cout << "glassbox " << glassbox::build_info::kVersion << " (revision "
                << glassbox::build_info::kRevision << ")\n";
      return 0;
    case glassbox::app::CommandAction::kRun:
      break;
  }

  try {
    return glassbox::app::run_application(parsed.config);
  } catch (const std::exception& failure) {
    std::cerr << "glassbox: fatal: " << failure.what() << "\n";
    return 1;
  }
}
