# Installs or upgrades the ratwatch agent on Windows: ratwatch.exe in %ProgramFiles%\ratwatch, its
# configuration and spool in %ProgramData%\ratwatch (SYSTEM and Administrators only), and the
# \ratwatch\ratwatch-agent scheduled task that runs "ratwatch.exe daemon" as SYSTEM (see ratwatch-task.xml).
# Safe to run again: it stops the task, replaces the executable, keeps an existing config, re-registers.
#   powershell.exe -ExecutionPolicy Bypass -File install.ps1 [-Binary ratwatch-win-x64.exe] [-Config ratwatch.yaml] [-NoStart]
[CmdletBinding()]
param(
    [string]$Binary = (Join-Path $PSScriptRoot 'ratwatch-win-x64.exe'),
    [string]$Config = '',
    [switch]$NoStart
)
$ErrorActionPreference = 'Stop'

$principal = New-Object Security.Principal.WindowsPrincipal([Security.Principal.WindowsIdentity]::GetCurrent())
if (-not $principal.IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)) {
    throw 'install.ps1 must run as Administrator or SYSTEM'
}
if (-not (Test-Path -LiteralPath $Binary -PathType Leaf)) { throw "ratwatch executable not found: $Binary" }

$programFiles = if ($env:ProgramW6432) { $env:ProgramW6432 } else { $env:ProgramFiles }
$installDir = Join-Path $programFiles 'ratwatch'
$dataDir = Join-Path $env:ProgramData 'ratwatch'
$exe = Join-Path $installDir 'ratwatch.exe'
$configFile = Join-Path $dataDir 'ratwatch.yaml'
$taskPath = '\ratwatch\'
$taskName = 'ratwatch-agent'
$taskXml = Join-Path $PSScriptRoot 'ratwatch-task.xml'

# The running daemon holds ratwatch.exe open; stop it before replacing the file.
$task = Get-ScheduledTask -TaskPath $taskPath -TaskName $taskName -ErrorAction SilentlyContinue
if ($task) { Stop-ScheduledTask -TaskPath $taskPath -TaskName $taskName }
Get-Process -Name 'ratwatch' -ErrorAction SilentlyContinue |
    Where-Object { $_.Path -eq $exe } |
    ForEach-Object { try { $_.Kill(); $_.WaitForExit(10000) | Out-Null } catch { } }  # it may exit on its own meanwhile

New-Item -ItemType Directory -Force -Path $installDir, $dataDir | Out-Null
# SYSTEM and Administrators only: the config names the token and the spool holds unsent reports
& icacls.exe $dataDir /inheritance:r /grant:r '*S-1-5-18:(OI)(CI)F' '*S-1-5-32-544:(OI)(CI)F' | Out-Null
if ($LASTEXITCODE -ne 0) { throw "icacls $dataDir failed ($LASTEXITCODE)" }

Copy-Item -LiteralPath $Binary -Destination "$exe.new" -Force
Move-Item -LiteralPath "$exe.new" -Destination $exe -Force
# files downloaded through a browser carry a Mark of the Web that would prompt under SYSTEM
Unblock-File -LiteralPath $exe

if ($Config) {
    Copy-Item -LiteralPath $Config -Destination $configFile -Force
} elseif (-not (Test-Path -LiteralPath $configFile)) {
    $default = @(
        '# ratwatch agent configuration; keys are listed in docs/deploy.md.',
        '# Without endpoint.url the daemon scans on schedule and keeps reports in the spool;',
        '# set it (and restart the agent) to deliver them, oldest first:',
        '# endpoint:',
        '#   url: https://ratwatch.example.com/api/v1/reports',
        '#   tokenFile: ratwatch.token   # a path relative to this folder',
        'schedule: "0 * * * *"'
    )
    [System.IO.File]::WriteAllLines($configFile, $default)
}

& $exe --version | Out-Null
if ($LASTEXITCODE -ne 0) { throw "$exe --version failed ($LASTEXITCODE)" }

$xml = Get-Content -LiteralPath $taskXml -Raw
Register-ScheduledTask -TaskPath $taskPath -TaskName $taskName -Xml $xml -Force | Out-Null
if (-not $NoStart) { Start-ScheduledTask -TaskPath $taskPath -TaskName $taskName }
if (-not (Select-String -LiteralPath $configFile -Pattern '^\s+url:' -Quiet)) {
    # not an error: the agent runs and spools; this only says why nothing reaches the server yet
    Write-Output "note: no endpoint.url in ${configFile}: reports stay in the spool until one is set and the task restarted"
}
Write-Output "ratwatch installed: $exe, config $configFile, task $taskPath$taskName"
