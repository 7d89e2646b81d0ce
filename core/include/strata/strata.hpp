// strata: keeps a database's schema in step with the code that uses it.
//
//   #include <strata/strata.hpp>
//   auto report = strata::migrate({.url = std::getenv("DATABASE_URL"), .dir = "migrations"});
//
// This header is the product API: the Engine and its Options (<strata/engine.hpp>), the Report
// it returns (<strata/report.hpp>), migrations compiled into the product (<strata/migration_set.hpp>,
// with portable operations built in C++, <strata/operations.hpp>, and C++ migrations, which are
// given a Session, <strata/driver.hpp>), errors (<strata/error.hpp>) and versions.
//
// A product needs nothing else. The driver SDK (the interfaces a database plugin implements, the
// renderer of portable operations) is <strata/plugin/sdk.hpp>; tools that read the ledger
// directly use <strata/ledger.hpp>, and the pieces of the pipeline have headers of their own
// (<strata/source.hpp>, <strata/plan.hpp>, <strata/script.hpp>): see docs/architecture.md.
//
// Thread-safety, throughout: values (Report, Migration, Version, Options) are safe to read from
// several threads; an Engine, and every object a driver makes, is used by one thread at a time.
#pragma once

#include <strata/diff.hpp>
#include <strata/driver.hpp>
#include <strata/engine.hpp>
#include <strata/error.hpp>
#include <strata/fleet.hpp>
#include <strata/generate.hpp>
#include <strata/migration_set.hpp>
#include <strata/operations.hpp>
#include <strata/report.hpp>
#include <strata/version.hpp>
