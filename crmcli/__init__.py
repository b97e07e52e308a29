"""crmcli: a command-line CRM over one SQLite file that its user owns."""

__version__ = "0.1.0"
