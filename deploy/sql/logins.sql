-- The database and the two SQL Server logins Strongroom runs with, each with only what it needs.
-- Run once by an administrator (compose.yaml's db-init does it as sa) with sqlcmd:
--   sqlcmd -S <server> -U sa -C -i deploy/sql/logins.sql \
--          -v MIGRATOR_PASSWORD="..." API_PASSWORD="..."
-- Safe to run again: it creates what is missing and resets the two passwords.
--
--   strongroom_migrator  runs `strongroom migrate`: creates and alters the schema (db_ddladmin) and
--                        writes the rows migrations and the bootstrap admin need. Nothing runs with
--                        it once the migration is done.
--   strongroom_api       the service (Database:MigrateOnStartup=false): reads and writes rows in dbo,
--                        nothing else: no DDL, no ALTER, no schema or server permissions.
SET NOCOUNT ON;
GO
IF DB_ID(N'strongroom') IS NULL
    CREATE DATABASE strongroom;
GO
IF SUSER_ID(N'strongroom_migrator') IS NULL
    CREATE LOGIN strongroom_migrator WITH PASSWORD = N'$(MIGRATOR_PASSWORD)', DEFAULT_DATABASE = strongroom, CHECK_POLICY = ON;
ELSE
    ALTER LOGIN strongroom_migrator WITH PASSWORD = N'$(MIGRATOR_PASSWORD)';
IF SUSER_ID(N'strongroom_api') IS NULL
    CREATE LOGIN strongroom_api WITH PASSWORD = N'$(API_PASSWORD)', DEFAULT_DATABASE = strongroom, CHECK_POLICY = ON;
ELSE
    ALTER LOGIN strongroom_api WITH PASSWORD = N'$(API_PASSWORD)';
GO
USE strongroom;
GO
IF USER_ID(N'strongroom_migrator') IS NULL
    CREATE USER strongroom_migrator FOR LOGIN strongroom_migrator WITH DEFAULT_SCHEMA = dbo;
IF USER_ID(N'strongroom_api') IS NULL
    CREATE USER strongroom_api FOR LOGIN strongroom_api WITH DEFAULT_SCHEMA = dbo;
GO
-- Migrations: DDL in the database, and the rows they (and the bootstrap admin) write.
ALTER ROLE db_ddladmin ADD MEMBER strongroom_migrator;
ALTER ROLE db_datareader ADD MEMBER strongroom_migrator;
ALTER ROLE db_datawriter ADD MEMBER strongroom_migrator;
GO
-- The service: rows only, in the one schema. (sp_getapplock, which serialises migrations and role
-- changes, is granted to public.) REFERENCES, EXECUTE, ALTER and CONTROL are deliberately absent.
GRANT SELECT, INSERT, UPDATE, DELETE ON SCHEMA::dbo TO strongroom_api;
GO
