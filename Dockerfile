# syntax=docker/dockerfile:1
# Strongroom as one native AOT binary on a minimal, non-root runtime image, for the platform it is
# built for: `docker build .` on an amd64 or arm64 machine, or `docker buildx build --platform
# linux/amd64,linux/arm64 .` (each compiled natively, under emulation where needed: native AOT does
# not cross-compile between architectures).

# Build: the SDK image with the native AOT toolchain; publish with exactly the script CI runs,
# so the image fails to build on any unexpected trim/AOT warning, as CI does.
FROM mcr.microsoft.com/dotnet/sdk:10.0-noble-aot AS build
ARG TARGETARCH
WORKDIR /src
# Restore alone first, from the project files only: this layer is rebuilt when a package changes,
# not on every change to the code.
COPY global.json Directory.Build.props Directory.Packages.props ./
COPY Api/Api.csproj Api/
COPY Features/Features.csproj Features/
COPY Infrastructure/Infrastructure.csproj Infrastructure/
RUN case "${TARGETARCH:-amd64}" in \
      amd64) echo linux-x64 ;; \
      arm64) echo linux-arm64 ;; \
      *) echo "Unsupported TARGETARCH ${TARGETARCH}: linux/amd64 or linux/arm64." >&2; exit 1 ;; \
    esac > /tmp/rid \
 && dotnet restore Api -r "$(cat /tmp/rid)"
COPY . .
RUN scripts/publish /app "$(cat /tmp/rid)" \
 && mkdir -p /app/data

# Run: Ubuntu chiseled with ICU (SqlClient needs globalization) and OpenSSL; no shell, no package
# manager; runs as the non-root "app" user (UID 1654). The binary, its bundled libe_sqlite3.so and
# the appsettings files are all it needs.
FROM mcr.microsoft.com/dotnet/runtime-deps:10.0-noble-chiseled-extra AS final
ARG VERSION=dev
ARG REVISION=unknown
ARG SOURCE=""
LABEL org.opencontainers.image.title="Strongroom" \
      org.opencontainers.image.description="Banking backend: accounts, a double-entry ledger, sign-in; one native AOT binary" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.base.name="mcr.microsoft.com/dotnet/runtime-deps:10.0-noble-chiseled-extra"
WORKDIR /app
COPY --from=build --chown=1654:1654 /app/strongroom /app/libe_sqlite3.so /app/appsettings*.json /app/
COPY --from=build --chown=1654:1654 /app/data /app/data
USER 1654
# Production on SQL Server: with nothing configured the container refuses to start (no
# ConnectionStrings__Strongroom, no Auth__SigningKey, no Security__DataKeys), rather than run the
# embedded default and generate keys into a volume nobody chose. SQLite in a container is an explicit
# choice: Database__Provider=Sqlite with a volume mounted on /app/data.
ENV ASPNETCORE_HTTP_PORTS=8080 \
    ASPNETCORE_ENVIRONMENT=Production \
    DOTNET_ENVIRONMENT=Production \
    Database__Provider=SqlServer
EXPOSE 8080
ENTRYPOINT ["/app/strongroom"]
