# One image for every host of the platform; docker-compose.yml picks the entry point per service.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN dotnet publish src/Silo/CaaS.Silo.csproj -c Release -o /app/silo \
 && dotnet publish src/ApiHost/CaaS.ApiHost.csproj -c Release -o /app/api \
 && dotnet publish src/Sandbox/CaaS.Sandbox.csproj -c Release -o /app/sandbox

FROM mcr.microsoft.com/dotnet/aspnet:10.0
# curl answers the health checks in docker-compose.yml.
RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app .
USER app
