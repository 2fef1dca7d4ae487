import type { DeviceInfo } from '../../model.ts';
import { cleanOpt } from '../../text.ts';
import type { Collector } from '../types.ts';
import { parseJsonRecords, PS_PRELUDE, runPowerShell, str } from './powershell.ts';
import { strongestKind } from '../common/device-kind.ts';

// USB and HID devices from Win32_PnPEntity. An IP-KVM plugged into the laptop is a USB composite gadget
// (PiKVM 1d6b:0104, NanoKVM 3346:1009) offering a keyboard, a mouse and often a disk, and a second pointing
// device is a laptop-farm signal, so each physical device becomes one DeviceInfo with a kind.
//
// Windows splits one physical device into several devnodes: the device itself (USB\VID_1D6B&PID_0104\CAFEBABE,
// "USB Composite Device"), one per interface (USB\VID_1D6B&PID_0104&MI_01\6&...) and one per HID top-level
// collection under those (HID\VID_1D6B&PID_0104&MI_01\7&..., "HID-compliant mouse"). Those names come from
// Windows' in-box INFs, not from the device, so the product string the device reports (iProduct,
// "PiKVM Composite Device") is read separately: DEVPKEY_Device_BusReportedDeviceDesc. DEVPKEY_Device_Parent
// ties interfaces and collections back to their device. Both come from one Get-PnpDeviceProperty call over
// the (bounded) list. There is no device property for iManufacturer, and Win32_PnPEntity's Manufacturer is
// the INF's provider ("(Standard USB Host Controller)", "Microsoft"), so `manufacturer` stays empty.
//
// Devices with a serial number use it as their instance id (USB\VID_...&PID_...\<serial>); without one,
// Windows makes up a location-based id containing '&' (5&1f6f6c4a&0&2).

const MAX_NODES = 512;
const MAX_DEVICES = 256;
const MAX_HOPS = 8;

// Present devices only: Win32_PnPEntity also lists devices seen once and since unplugged (Present = False on
// Windows 10+; older builds have no Present property, hence -ne rather than -eq).
export const USB_SCRIPT =
  PS_PRELUDE +
  `$d=@(Get-CimInstance Win32_PnPEntity | Where-Object { ($_.PNPDeviceID -like 'USB\\*' -or $_.PNPDeviceID -like 'HID\\*') -and $_.Present -ne $false } | Select-Object -First ${MAX_NODES});` +
  `$p=@{};if($d.Count){Get-PnpDeviceProperty -InstanceId @($d | ForEach-Object { $_.PNPDeviceID }) -KeyName DEVPKEY_Device_Parent,DEVPKEY_Device_BusReportedDeviceDesc -ErrorAction SilentlyContinue | ForEach-Object { $p[$_.InstanceId+'|'+$_.KeyName]=$_.Data }};` +
  `$d | ForEach-Object { [pscustomobject]@{PNPDeviceID=$_.PNPDeviceID;Name=$_.Name;PNPClass=$_.PNPClass;Service=$_.Service;Parent=$p[$_.PNPDeviceID+'|DEVPKEY_Device_Parent'];BusReportedDeviceDesc=$p[$_.PNPDeviceID+'|DEVPKEY_Device_BusReportedDeviceDesc']} } | ConvertTo-Json -Compress`;

export interface PnpNode {
  id: string;
  name?: string | undefined;
  pnpClass?: string | undefined;
  service?: string | undefined;
  parent?: string | undefined;
  busDesc?: string | undefined;
}

type Kind = DeviceInfo['kind'];

/** VID/PID from a USB or HID instance id, or from a Bluetooth HID one (..._VID&0002046d_PID&b023\...). */
export function pnpIds(id: string): { vendorId: string; productId: string } | undefined {
  const m = /\\VID_([0-9A-F]{4})&PID_([0-9A-F]{4})/i.exec(id) ?? /_VID&[0-9A-F]{4}([0-9A-F]{4})_PID&([0-9A-F]{4})/i.exec(id);
  return m ? { vendorId: m[1].toLowerCase(), productId: m[2].toLowerCase() } : undefined;
}

/** A whole USB device, not one of its interfaces (those carry &MI_nn) nor a root hub (no VID). */
function isUsbDevice(id: string): boolean {
  return /^USB\\VID_[0-9A-F]{4}&PID_[0-9A-F]{4}\\/i.test(id);
}

function nodeKind(n: PnpNode): Kind {
  const cls = (n.pnpClass ?? '').toLowerCase();
  const svc = (n.service ?? '').toLowerCase();
  if (cls === 'mouse') return 'pointer';
  if (cls === 'keyboard') return 'keyboard';
  if (cls === 'diskdrive' || cls === 'cdrom' || svc === 'usbstor' || svc === 'uaspstor') return 'storage';
  return undefined;
}

export function parsePnpNodes(json: string): PnpNode[] {
  const nodes: PnpNode[] = [];
  for (const r of parseJsonRecords(json, 'Win32_PnPEntity')) {
    const id = str(r.PNPDeviceID);
    if (!id || nodes.length >= MAX_NODES) continue;
    nodes.push({
      id,
      name: str(r.Name),
      pnpClass: str(r.PNPClass),
      service: str(r.Service),
      parent: str(r.Parent),
      busDesc: str(r.BusReportedDeviceDesc),
    });
  }
  return nodes;
}

/** Which physical device a devnode belongs to: its nearest USB device ancestor, else its vendor:product, else its parent. */
function groupKey(n: PnpNode, byId: Map<string, PnpNode>): string {
  let cur: PnpNode | undefined = n;
  for (let hop = 0; cur && hop < MAX_HOPS; hop++) {
    if (isUsbDevice(cur.id)) return `dev:${cur.id.toUpperCase()}`;
    cur = cur.parent ? byId.get(cur.parent.toUpperCase()) : undefined;
  }
  const ids = pnpIds(n.id);
  if (ids) return `ids:${ids.vendorId}:${ids.productId}`;
  // I2C and other non-USB HID devices (a laptop's touchpad): their collections share an ACPI parent
  return n.parent ? `parent:${n.parent.toUpperCase()}` : `self:${n.id.toUpperCase()}`;
}

export function pnpDevices(nodes: PnpNode[]): DeviceInfo[] {
  const byId = new Map(nodes.map((n) => [n.id.toUpperCase(), n]));
  const groups = new Map<string, PnpNode[]>();
  for (const n of nodes) {
    const k = groupKey(n, byId);
    groups.set(k, [...(groups.get(k) ?? []), n]);
  }
  // Without parent links (the property query failed) interfaces group by vendor:product; fold them into
  // the device when exactly one device has those ids
  for (const [k, members] of [...groups]) {
    if (!k.startsWith('ids:')) continue;
    const owners = [...groups.keys()].filter((g) => {
      const ids = g.startsWith('dev:') ? pnpIds(g) : undefined;
      return ids && `ids:${ids.vendorId}:${ids.productId}` === k;
    });
    if (owners.length !== 1) continue;
    groups.get(owners[0])!.push(...members);
    groups.delete(k);
  }

  const devices: DeviceInfo[] = [];
  for (const members of groups.values()) {
    if (devices.length >= MAX_DEVICES) break;
    const dev = members.find((m) => isUsbDevice(m.id));
    const kind = strongestKind(members.map(nodeKind));
    const ids = pnpIds(dev?.id ?? '') ?? members.map((m) => pnpIds(m.id)).find(Boolean);
    // root hubs, host controllers' own HID event filters and the like say nothing about attached hardware
    if (!ids && !kind) continue;
    const d: DeviceInfo = { bus: members.some((m) => /^USB\\/i.test(m.id)) ? 'usb' : 'hid' };
    if (ids) Object.assign(d, ids);
    const product = cleanOpt(dev?.busDesc, 256);
    if (product) d.product = product;
    const named = dev ?? members.find((m) => kind && nodeKind(m) === kind) ?? members[0];
    const name = cleanOpt(named.name, 256);
    if (name) d.name = name;
    const instance = dev?.id.split('\\')[2];
    const serial = instance && !instance.includes('&') ? cleanOpt(instance, 256) : undefined;
    if (serial) d.serial = serial;
    if (kind) d.kind = kind;
    d.path = cleanOpt(dev?.id ?? named.parent ?? named.id, 512);
    devices.push(d);
  }
  return devices;
}

export const windowsUsb: Collector = {
  name: 'windows.usb',
  async collect(ctx) {
    const out = await runPowerShell(ctx, USB_SCRIPT, 'Win32_PnPEntity query');
    return { devices: pnpDevices(parsePnpNodes(out)) };
  },
};
