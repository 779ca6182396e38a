"""The inventory written on first start, from the team's deployment procedure."""

DEFAULT_INVENTORY_TOML = """\
# ereg-desktop inventory: the servers, the systems on them and who deploys each.
# Edit it here or in the app (Inventory > Edit inventory...). Unknown fields are kept.
format = 1

[operator]                          # who is using this copy of the app
name = ""                           # your name, as written in "owner" below
github = ""                         # your GitHub login

[[servers]]
id = "unctad"
host = "eregistrations.org"
port = 22
user = "eregistrations"
admin = "Mariusz Nowak"             # root-level administrator: grants access, adds keys
monitoring_url = "https://app.keymetrics.io/#/bucket/579218e1b913defd31e25c1d/dashboard"

[[systems]]
name = "Guatemala"
owner = "Marek Tuchowski"
repository = "egovernment/eregistrations-guatemala"
timezone = "America/Guatemala"
low_traffic = "08:00-14:00 Europe/Paris"

  [[systems.deployments]]
  environment = "production"
  server = "unctad"
  app = "gt"
  url = "https://minegocio.gt/"
  track = "master"

  [[systems.deployments]]
  environment = "development"
  server = "unctad"
  app = "gt-dev"
  url = "https://gt.eregistrations.org/"
  track = "master"

[[systems]]
name = "Salvador"
owner = "Marek Tuchowski"
repository = "egovernment/eregistrations-salvador"
timezone = "America/El_Salvador"
low_traffic = "08:00-14:00 Europe/Paris"

  [[systems.deployments]]
  environment = "production"
  server = "unctad"
  app = "els"
  url = "https://miempresa.gob.sv/"
  track = "master"

  [[systems.deployments]]
  environment = "development"
  server = "unctad"
  app = "els-dev"
  url = "https://els.eregistrations.org/"
  track = "master"

[[systems]]
name = "Lomas"
owner = "Kamil Gruca"
repository = "egovernment/eregistrations-lomas"
timezone = "America/Argentina/Buenos_Aires"
low_traffic = "07:00-11:00 Europe/Paris"     # night in Argentina

  [[systems.deployments]]
  environment = "production"
  server = "unctad"
  app = "ldz"
  url = "http://elomas.gob.ar/"
  track = "master"

  [[systems.deployments]]
  environment = "development"
  server = "unctad"
  app = "ldz-dev"
  url = "https://ldz.eregistrations.org/"
  track = "master"

[[systems]]
name = "Tanzania"
owner = "Kamil Gruca"
repository = "egovernment/eregistrations-tanzania"
timezone = "Africa/Dar_es_Salaam"
low_traffic = "22:00-05:00 Africa/Dar_es_Salaam"

  [[systems.deployments]]
  environment = "production"
  server = "unctad"
  app = "tz"
  url = "http://tiw.tic.co.tz/"     # published as tz.eregistrations.org
  track = "2015"                    # the old version: never move it to master
  track_type = "tag"

  [[systems.deployments]]
  environment = "development"
  server = "unctad"
  app = "tz-dev"                    # the latest version, never published at production port
  url = "https://tanzania.eregistrations.org/"
  track = "master"
"""
