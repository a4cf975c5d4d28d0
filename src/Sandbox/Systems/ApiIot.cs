using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CaaS.Sandbox.Control;

namespace CaaS.Sandbox.Systems;

/// <summary>
/// API IoT (IOT-1, IOT-2, IOT-6): signed requests only; a configure command is acknowledged at once and
/// completes later, as the behaviour in force when it arrived says. Progress is computed from the clock
/// when asked, so a hundred thousand pending commands cost no timers.
/// <para>
/// A car can be out of reach (in a garage, asleep, out of coverage) while API IoT itself is well, as
/// connected-car APIs report it (docs/external-systems.md): its status still answers 200 with the
/// telemetry of its last contact and a <c>lastContact</c> that stops moving, and a command is still
/// acknowledged (202) but then reported FAILED, or never delivered (ACCEPTED for good).
/// </para>
/// </summary>
public sealed class ApiIot(TimeProvider time)
{
    public const int RecentCommands = 20;
    public static readonly string[] Commands = ["ACTIVATE_SERVICE", "UNLOCK", "LOCK", "DEACTIVATE_SERVICE"];
    public static readonly string[] Outcomes = ["complete", "fail", "never"];
    private static readonly TimeSpan SignatureWindow = TimeSpan.FromMinutes(5);

    public sealed record Behavior(string Outcome, int DelayMs);

    public sealed record BehaviorRequest(string? Vin, string? Outcome, int? DelayMs);

    /// <summary>The outcomes of commands sent to a car that is out of reach.</summary>
    public static readonly string[] OfflineOutcomes = ["fail", "never"];

    public sealed record ConnectivityRequest(string? Vin, bool? Online, int? OfflineForSeconds, string? Commands);

    private sealed record Offline(DateTimeOffset LastContact, string Commands);

    public sealed record ConfigureRequest(string? Command, Dictionary<string, string>? Parameters);

    /// <param name="Undelivered">Sent while the car was out of reach and never delivered: ACCEPTED for good.</param>
    private sealed record Command(string CommandId, string Name, DateTimeOffset AcceptedAt, Behavior Behavior, bool Undelivered = false);

    public sealed record CommandView(string CommandId, string Command, string Status, DateTimeOffset UpdatedAt);

    public sealed record Telemetry(double OdometerKm, int EnergyPercent, double Latitude, double Longitude, bool Locked);

    public sealed record VehicleStatus(string Vin, DateTimeOffset LastContact, Telemetry Telemetry, IReadOnlyList<CommandView> Commands);

    public sealed record TelemetryRequest(string? Vin, double? OdometerKm, int? EnergyPercent, double? Latitude, double? Longitude);

    /// <summary>What a test made the car report, over what is synthesised from its VIN; <paramref name="ReportedAt"/> is when it did.</summary>
    private sealed record Reported(double? OdometerKm, int? EnergyPercent, double? Latitude, double? Longitude, DateTimeOffset ReportedAt);

    private readonly ConcurrentDictionary<string, Behavior> _behaviors = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, List<Command>> _commands = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, Offline> _offline = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, Reported> _reported = new(StringComparer.OrdinalIgnoreCase);
    private Behavior _default = new("complete", 1000);

    public void SetBehavior(string? vin, Behavior behavior)
    {
        if (vin is null)
        {
            _default = behavior;
            _behaviors.Clear();
            _offline.Clear();
        }
        else
        {
            _behaviors[vin] = behavior;
        }
    }

    /// <summary>Takes a car out of reach: its last contact is <paramref name="offlineFor"/> ago and stays there until it is back.</summary>
    public void SetOffline(string vin, TimeSpan offlineFor, string commands) =>
        _offline[vin] = new Offline(time.GetUtcNow() - offlineFor, commands);

    public void SetOnline(string vin) => _offline.TryRemove(vin, out _);

    /// <summary>
    /// The car reports these values from now on (MOB-7: its own word on a return, whatever the customer
    /// claims); values not given keep what it reported before. It reported them now, so its last
    /// contact is no older than this call.
    /// </summary>
    public void SetTelemetry(string vin, double? odometerKm, int? energyPercent, double? latitude, double? longitude) =>
        _reported.AddOrUpdate(vin,
            _ => new Reported(odometerKm, energyPercent, latitude, longitude, time.GetUtcNow()),
            (_, before) => new Reported(odometerKm ?? before.OdometerKm, energyPercent ?? before.EnergyPercent,
                latitude ?? before.Latitude, longitude ?? before.Longitude, time.GetUtcNow()));

    /// <summary>Back to what is synthesised from the VIN, reported now: a car's last contact never goes back in time.</summary>
    public void ResetTelemetry(string vin) => _reported[vin] = new Reported(null, null, null, null, time.GetUtcNow());

    public string Accept(string vin, string command)
    {
        var behavior = _behaviors.GetValueOrDefault(vin) ?? _default;
        var offline = _offline.GetValueOrDefault(vin);
        var accepted = new Command("cmd-" + Guid.NewGuid().ToString("N")[..16], command, time.GetUtcNow(),
            offline is null ? behavior : behavior with { Outcome = offline.Commands }, Undelivered: offline?.Commands == "never");
        var list = _commands.GetOrAdd(vin, _ => []);
        lock (list)
        {
            list.Add(accepted);
            if (list.Count > RecentCommands)
            {
                list.RemoveAt(0);
            }
        }

        return accepted.CommandId;
    }

    public VehicleStatus StatusOf(string vin)
    {
        var now = time.GetUtcNow();
        Command[] commands;
        var list = _commands.GetValueOrDefault(vin);
        if (list is null)
        {
            commands = [];
        }
        else
        {
            lock (list)
            {
                commands = [.. list];
            }
        }

        var views = commands.Select(command => View(command, now)).ToArray();
        var seed = (uint)StableHash(vin);
        var lastLock = views.LastOrDefault(view => view.Status == "COMPLETED" && view.Command is "LOCK" or "UNLOCK");
        var reported = _reported.GetValueOrDefault(vin);
        var telemetry = new Telemetry(
            OdometerKm: reported?.OdometerKm ?? 1_000 + (seed % 80_000) + Math.Round((seed % 10) / 10.0, 1),
            EnergyPercent: reported?.EnergyPercent ?? 20 + (int)(seed % 81),
            Latitude: reported?.Latitude ?? Math.Round(40.38 + ((seed >> 8) % 600) / 10_000.0, 5),
            Longitude: reported?.Longitude ?? Math.Round(-3.75 + ((seed >> 16) % 900) / 10_000.0, 5),
            Locked: lastLock?.Command != "UNLOCK");
        var contact = now.AddSeconds(-(seed % 30));
        var lastContact = _offline.GetValueOrDefault(vin)?.LastContact
            ?? (reported is not null && reported.ReportedAt > contact ? reported.ReportedAt : contact);
        return new VehicleStatus(vin.ToUpperInvariant(), lastContact, telemetry, views);
    }

    private static CommandView View(Command command, DateTimeOffset now)
    {
        if (command.Undelivered)
        {
            return new CommandView(command.CommandId, command.Name, "ACCEPTED", command.AcceptedAt);
        }

        var elapsed = now - command.AcceptedAt;
        var delay = TimeSpan.FromMilliseconds(command.Behavior.DelayMs);
        if (command.Behavior.Outcome != "never" && elapsed >= delay)
        {
            return new CommandView(command.CommandId, command.Name, command.Behavior.Outcome == "complete" ? "COMPLETED" : "FAILED", command.AcceptedAt + delay);
        }

        return elapsed >= delay / 2
            ? new CommandView(command.CommandId, command.Name, "IN_PROGRESS", command.AcceptedAt + (delay / 2))
            : new CommandView(command.CommandId, command.Name, "ACCEPTED", command.AcceptedAt);
    }

    private static int StableHash(string value)
    {
        var hash = 17;
        foreach (var c in value.ToUpperInvariant())
        {
            hash = unchecked((hash * 31) + c);
        }

        return hash;
    }

    /// <summary>IOT-6: HMAC-SHA256 over method, path, timestamp and body with the pre-shared key, within five minutes of our clock.</summary>
    public bool IsSigned(HttpRequest request, string body, string? key)
    {
        if (string.IsNullOrEmpty(key)
            || !long.TryParse(request.Headers["X-Iot-Timestamp"], NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            || (time.GetUtcNow() - DateTimeOffset.FromUnixTimeSeconds(seconds)).Duration() > SignatureWindow)
        {
            return false;
        }

        var expected = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(key),
            Encoding.UTF8.GetBytes($"{request.Method}\n{request.Path}\n{seconds.ToString(CultureInfo.InvariantCulture)}\n{body}")));
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(request.Headers["X-Iot-Signature"].ToString()));
    }
}

public static class ApiIotEndpoints
{
    public static IEndpointRouteBuilder MapApiIot(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/api/iot/vehicles/{vin}/configure", async (string vin, HttpContext http, ApiIot iot, IConfiguration configuration) =>
        {
            var body = await new StreamReader(http.Request.Body, Encoding.UTF8).ReadToEndAsync(http.RequestAborted);
            if (!iot.IsSigned(http.Request, body, configuration["Integrations:Iot:PreSharedKey"]))
            {
                return Unsigned();
            }

            ApiIot.ConfigureRequest? request;
            try
            {
                request = JsonSerializer.Deserialize<ApiIot.ConfigureRequest>(body, JsonSerializerOptions.Web);
            }
            catch (JsonException)
            {
                request = null;
            }

            return !Vins.IsWellFormed(vin) ? Results.Json(new { error = "malformed VIN" }, statusCode: 400)
                : request?.Command is null || !ApiIot.Commands.Contains(request.Command)
                    ? Results.Json(new { error = $"command is one of {string.Join(", ", ApiIot.Commands)}" }, statusCode: 400)
                    : Results.Json(new { commandId = iot.Accept(vin, request.Command), status = "ACCEPTED" }, statusCode: 202);
        });
        endpoints.MapGet("/api/iot/vehicles/{vin}/status", (string vin, HttpContext http, ApiIot iot, IConfiguration configuration) =>
            !iot.IsSigned(http.Request, "", configuration["Integrations:Iot:PreSharedKey"]) ? Unsigned()
            : Vins.IsWellFormed(vin) ? Results.Ok(iot.StatusOf(vin)) : Results.Json(new { error = "malformed VIN" }, statusCode: 400));

        endpoints.MapPost("/sandbox/iot/behavior", (ApiIot.BehaviorRequest request, ApiIot iot) =>
        {
            if (request.Outcome is null || !ApiIot.Outcomes.Contains(request.Outcome) || request.DelayMs is < 0)
            {
                return Problem.Invalid($"outcome is one of {string.Join(", ", ApiIot.Outcomes)} and delayMs is not negative.");
            }

            iot.SetBehavior(request.Vin, new ApiIot.Behavior(request.Outcome, request.DelayMs ?? 1000));
            return Results.NoContent();
        });
        endpoints.MapPost("/sandbox/iot/connectivity", (ApiIot.ConnectivityRequest request, ApiIot iot) =>
        {
            if (request.Vin is null || !Vins.IsWellFormed(request.Vin) || request.Online is null || request.OfflineForSeconds is < 0
                || (request.Commands is not null && !ApiIot.OfflineOutcomes.Contains(request.Commands)))
            {
                return Problem.Invalid($"vin is a well-formed VIN, online is true or false, offlineForSeconds is not negative and commands is one of {string.Join(", ", ApiIot.OfflineOutcomes)}.");
            }

            if (request.Online.Value)
            {
                iot.SetOnline(request.Vin);
            }
            else
            {
                iot.SetOffline(request.Vin, TimeSpan.FromSeconds(request.OfflineForSeconds ?? 0), request.Commands ?? "fail");
            }

            return Results.NoContent();
        });
        endpoints.MapPost("/sandbox/iot/telemetry", (ApiIot.TelemetryRequest request, ApiIot iot) =>
        {
            if (request.Vin is null || !Vins.IsWellFormed(request.Vin) || request.OdometerKm is < 0 || request.EnergyPercent is < 0 or > 100
                || request.Latitude is < -90 or > 90 || request.Longitude is < -180 or > 180)
            {
                return Problem.Invalid("vin is a well-formed VIN, odometerKm is not negative, energyPercent within 0..100, latitude within ±90 and longitude within ±180.");
            }

            iot.SetTelemetry(request.Vin, request.OdometerKm, request.EnergyPercent, request.Latitude, request.Longitude);
            return Results.NoContent();
        });
        endpoints.MapDelete("/sandbox/iot/telemetry/{vin}", (string vin, ApiIot iot) =>
        {
            iot.ResetTelemetry(vin);
            return Results.NoContent();
        });
        return endpoints;
    }

    private static IResult Unsigned() => Results.Json(new { error = "invalid signature" }, statusCode: 401);

}
