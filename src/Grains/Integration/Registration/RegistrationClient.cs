using System.Net.Http.Json;
using CaaS.Grains.Abstractions.Integration;
using CaaS.Grains.Integration.Http;
using Microsoft.Extensions.Options;

namespace CaaS.Grains.Integration.Registration;

/// <summary>
/// The country registration bodies (REG-1, REG-2). Each country's authority has its own base URL
/// (Integrations:Registration:Countries:&lt;CC&gt;:BaseUrl), by default {BaseUrl}/countries/&lt;cc&gt;.
/// </summary>
public sealed class RegistrationClient(HttpClient http, IOptionsMonitor<IntegrationOptions> options)
{
    public async Task<VehicleRegistration> RegisterAsync(RegisterVehicle command, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(CountryBase(command.Country), "api/registration/vehicles"))
        {
            Content = JsonContent.Create(new { vin = command.Vin, model = command.Model, ownerId = command.OwnerId }, options: ExternalCall.Json),
        };
        request.Headers.Add(IntegrationHeaders.IdempotencyKey, command.IdempotencyKey);
        using var response = await ExternalCall.SendAsync(http, ExternalSystem.Registration, request, cancellationToken);
        var wire = await ExternalCall.ReadAsync<RegistrationWire>(response, ExternalSystem.Registration, cancellationToken);
        return new VehicleRegistration(wire.RegistrationId, wire.Vin, wire.Country, wire.PlateNumber, wire.RegisteredAt);
    }

    public Uri CountryBase(string country)
    {
        var settings = options.Get(ExternalSystem.Registration);
        var configured = settings.Countries.GetValueOrDefault(country)?.BaseUrl;
        var root = configured ?? new Uri(settings.BaseUrl, $"countries/{country.ToLowerInvariant()}");
        return new Uri(root.ToString().TrimEnd('/') + "/");
    }

    private sealed record RegistrationWire(string RegistrationId, string Vin, string Country, string PlateNumber, DateTimeOffset RegisteredAt);
}
