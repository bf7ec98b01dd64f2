"""Django's admin discovers ``coprod.admin``: it registers each domain app's admin."""

from coprod.accounts import admin as accounts_admin
from coprod.agreements import admin as agreements_admin
from coprod.api import admin as api_admin
from coprod.audit import admin as audit_admin
from coprod.catalog import admin as catalog_admin
from coprod.compute import admin as compute_admin
from coprod.registry import admin as registry_admin
from coprod.rights import admin as rights_admin

__all__ = ["accounts_admin", "agreements_admin", "api_admin", "audit_admin", "catalog_admin",
           "compute_admin", "registry_admin", "rights_admin"]
