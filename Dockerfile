# syntax=docker/dockerfile:1
# Strongroom as one native AOT binary on a minimal, non-root runtime image.

# Build: the SDK image with the native AOT toolchain; publish with exactly the script CI runs,
# so the image fails to build on any unexpected trim/AOT warning, as CI does.
FROM mcr.microsoft.com/dotnet/sdk:10.0-noble-aot AS build
WORKDIR /src
COPY . .
RUN scripts/publish /app \
 && mkdir -p /app/data

# Run: Ubuntu chiseled with ICU (SqlClient needs globalization) and OpenSSL; no shell, no package
# manager; runs as the non-root "app" user (UID 1654). The binary, its bundled libe_sqlite3.so and
# the appsettings files are all it needs.
FROM mcr.microsoft.com/dotnet/runtime-deps:10.0-noble-chiseled-extra AS final
WORKDIR /app
COPY --from=build --chown=1654:1654 /app/strongroom /app/libe_sqlite3.so /app/appsettings*.json /app/
COPY --from=build --chown=1654:1654 /app/data /app/data
USER 1654
ENV ASPNETCORE_HTTP_PORTS=8080 \
    ASPNETCORE_ENVIRONMENT=Production
EXPOSE 8080
# The embedded default keeps its SQLite file (and generated key) here; mount a volume to keep them.
VOLUME ["/app/data"]
ENTRYPOINT ["/app/strongroom"]
