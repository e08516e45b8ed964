"""What researchers check their own plug-ins and estimators with: conformance checks and cases of known MI."""
