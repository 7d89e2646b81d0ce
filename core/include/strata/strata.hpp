// strata: keeps a database's schema in step with the code that uses it.
//
//   #include <strata/strata.hpp>
//   auto report = strata::migrate({.url = std::getenv("DATABASE_URL"), .dir = "migrations"});
//
// This header includes the whole public API.
#pragma once

#include <strata/checksum.hpp>
#include <strata/driver.hpp>
#include <strata/engine.hpp>
#include <strata/error.hpp>
#include <strata/ledger.hpp>
#include <strata/migration.hpp>
#include <strata/migration_set.hpp>
#include <strata/operations.hpp>
#include <strata/plan.hpp>
#include <strata/render.hpp>
#include <strata/schema.hpp>
#include <strata/script.hpp>
#include <strata/source.hpp>
#include <strata/url.hpp>
#include <strata/version.hpp>
