-- The verification desk's own login role (docker-compose.yml runs this once, on an empty
-- database). It has no privilege of its own: `permis grant-desk permis_desk`, run after
-- the migrations, lets it read the documents' numbers and replacements, nothing else.
-- In production, give it a password of its own and keep it out of this file.
CREATE ROLE permis_desk LOGIN PASSWORD 'permis_desk';
