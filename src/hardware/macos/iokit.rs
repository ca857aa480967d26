//! Hand-written bindings to the few IOKit and CoreFoundation functions the
//! macOS collector needs, and safe wrappers that copy registry properties
//! into [`Prop`] trees.
//!
//! APIs: `IOServiceMatching`, `IOBSDNameMatching`,
//! `IOServiceGetMatchingServices`, `IOServiceGetMatchingService`,
//! `IOIteratorNext`, `IOObjectRelease`, `IOObjectGetClass`,
//! `IORegistryEntryGetParentEntry`, `IORegistryEntryCreateCFProperty`,
//! `IORegistryEntrySearchCFProperty` (IOKit.framework); `CFStringCreateWithCString`,
//! `CFRelease`, `CFGetTypeID` and the `CFData`/`CFString`/`CFNumber`/
//! `CFBoolean`/`CFDictionary` accessors (CoreFoundation.framework).
//!
//! No extra crate: the dozen declarations below follow Apple's headers
//! (`IOKit/IOKitLib.h`, `CoreFoundation/*.h`) and keep the dependency tree of
//! the client build small. Every IOKit object and every CF object obtained
//! under the Create rule is owned by an RAII guard ([`IoObject`], [`CfObject`])
//! and released exactly once.
#![allow(unsafe_code)]
#![allow(non_camel_case_types, non_upper_case_globals)]

use std::ffi::{CStr, CString, c_char, c_void};

use super::prop::{Prop, Props};
use crate::hardware::{CallTarget, Why};

type mach_port_t = u32;
type io_object_t = mach_port_t;
type kern_return_t = i32;
type IOOptionBits = u32;
type CFTypeRef = *const c_void;
type CFAllocatorRef = *const c_void;
type CFStringRef = *const c_void;
type CFDictionaryRef = *const c_void;
type CFMutableDictionaryRef = *mut c_void;
type CFIndex = isize;
type CFTypeID = usize;
type CFStringEncoding = u32;
type Boolean = u8;

const KERN_SUCCESS: kern_return_t = 0;
/// `MACH_PORT_NULL` as the main port means "the default main port".
const DEFAULT_MAIN_PORT: mach_port_t = 0;
const kIORegistryIterateRecursively: IOOptionBits = 1;
const kIORegistryIterateParents: IOOptionBits = 2;
const kCFStringEncodingUTF8: CFStringEncoding = 0x0800_0100;
const kCFNumberSInt64Type: CFIndex = 4;
/// `kIOServicePlane`.
const SERVICE_PLANE: &CStr = c"IOService";

/// Limits on what is copied out of the registry.
const MAX_DEPTH: usize = 4;
const MAX_ENTRIES: CFIndex = 256;
const MAX_DATA: CFIndex = 64 * 1024;
const MAX_ITERATIONS: usize = 4096;

#[link(name = "IOKit", kind = "framework")]
unsafe extern "C" {
    fn IOServiceMatching(name: *const c_char) -> CFMutableDictionaryRef;
    fn IOBSDNameMatching(
        main_port: mach_port_t,
        options: u32,
        bsd_name: *const c_char,
    ) -> CFMutableDictionaryRef;
    fn IOServiceGetMatchingServices(
        main_port: mach_port_t,
        matching: CFDictionaryRef,
        existing: *mut io_object_t,
    ) -> kern_return_t;
    fn IOServiceGetMatchingService(main_port: mach_port_t, matching: CFDictionaryRef) -> io_object_t;
    fn IOIteratorNext(iterator: io_object_t) -> io_object_t;
    fn IOObjectRelease(object: io_object_t) -> kern_return_t;
    fn IOObjectGetClass(object: io_object_t, class_name: *mut c_char) -> kern_return_t;
    fn IORegistryEntryGetParentEntry(
        entry: io_object_t,
        plane: *const c_char,
        parent: *mut io_object_t,
    ) -> kern_return_t;
    fn IORegistryEntryCreateCFProperty(
        entry: io_object_t,
        key: CFStringRef,
        allocator: CFAllocatorRef,
        options: IOOptionBits,
    ) -> CFTypeRef;
    fn IORegistryEntrySearchCFProperty(
        entry: io_object_t,
        plane: *const c_char,
        key: CFStringRef,
        allocator: CFAllocatorRef,
        options: IOOptionBits,
    ) -> CFTypeRef;
}

#[link(name = "CoreFoundation", kind = "framework")]
unsafe extern "C" {
    fn CFRelease(cf: CFTypeRef);
    fn CFGetTypeID(cf: CFTypeRef) -> CFTypeID;
    fn CFStringGetTypeID() -> CFTypeID;
    fn CFDataGetTypeID() -> CFTypeID;
    fn CFNumberGetTypeID() -> CFTypeID;
    fn CFBooleanGetTypeID() -> CFTypeID;
    fn CFDictionaryGetTypeID() -> CFTypeID;
    fn CFStringCreateWithCString(
        alloc: CFAllocatorRef,
        c_str: *const c_char,
        encoding: CFStringEncoding,
    ) -> CFStringRef;
    fn CFStringGetLength(string: CFStringRef) -> CFIndex;
    fn CFStringGetMaximumSizeForEncoding(length: CFIndex, encoding: CFStringEncoding) -> CFIndex;
    fn CFStringGetCString(
        string: CFStringRef,
        buffer: *mut c_char,
        size: CFIndex,
        encoding: CFStringEncoding,
    ) -> Boolean;
    fn CFDataGetLength(data: CFTypeRef) -> CFIndex;
    fn CFDataGetBytePtr(data: CFTypeRef) -> *const u8;
    fn CFNumberGetValue(number: CFTypeRef, kind: CFIndex, value: *mut c_void) -> Boolean;
    fn CFBooleanGetValue(boolean: CFTypeRef) -> Boolean;
    fn CFDictionaryGetCount(dict: CFTypeRef) -> CFIndex;
    fn CFDictionaryGetKeysAndValues(dict: CFTypeRef, keys: *mut *const c_void, values: *mut *const c_void);
}

/// A CoreFoundation object we own (Create/Copy rule), released on drop.
struct CfObject(CFTypeRef);

impl CfObject {
    fn new(object: CFTypeRef) -> Option<Self> {
        (!object.is_null()).then_some(CfObject(object))
    }
}

impl Drop for CfObject {
    fn drop(&mut self) {
        // SAFETY: `self.0` is non-null and owned (one reference, from a
        // Create/Copy function), released exactly once here.
        unsafe { CFRelease(self.0) }
    }
}

/// An IOKit object (service, registry entry, iterator) we own, released on drop.
pub(crate) struct IoObject(io_object_t);

impl Drop for IoObject {
    fn drop(&mut self) {
        // SAFETY: `self.0` is a non-zero object reference we own (returned by
        // a Get/Copy function that transfers one reference), released once.
        unsafe {
            IOObjectRelease(self.0);
        }
    }
}

fn cf_string(text: &str) -> Option<CfObject> {
    let c = CString::new(text).ok()?;
    // SAFETY: `c` is a NUL-terminated UTF-8 string that outlives the call;
    // a null allocator means the default allocator.
    CfObject::new(unsafe { CFStringCreateWithCString(std::ptr::null(), c.as_ptr(), kCFStringEncodingUTF8) })
}

/// Converts a CF object (borrowed: the caller keeps it alive) into a [`Prop`].
fn to_prop(object: CFTypeRef, depth: usize) -> Prop {
    if object.is_null() || depth > MAX_DEPTH {
        return Prop::Other;
    }
    // SAFETY: `object` is a valid, live CF object (non-null, owned or
    // borrowed by the caller for the duration of this call). Every accessor
    // below is called only after CFGetTypeID confirmed the matching type;
    // lengths reported by CF bound every slice and buffer, and are capped.
    unsafe {
        let type_id = CFGetTypeID(object);
        if type_id == CFStringGetTypeID() {
            string_value(object).map_or(Prop::Other, Prop::String)
        } else if type_id == CFDataGetTypeID() {
            let len = CFDataGetLength(object);
            let ptr = CFDataGetBytePtr(object);
            if ptr.is_null() || !(0..=MAX_DATA).contains(&len) {
                return Prop::Other;
            }
            Prop::Data(std::slice::from_raw_parts(ptr, len as usize).to_vec())
        } else if type_id == CFNumberGetTypeID() {
            let mut value = 0i64;
            if CFNumberGetValue(object, kCFNumberSInt64Type, (&mut value as *mut i64).cast()) != 0 {
                Prop::Number(value)
            } else {
                Prop::Other
            }
        } else if type_id == CFBooleanGetTypeID() {
            Prop::Bool(CFBooleanGetValue(object) != 0)
        } else if type_id == CFDictionaryGetTypeID() {
            let count = CFDictionaryGetCount(object);
            if !(0..=MAX_ENTRIES).contains(&count) {
                return Prop::Other;
            }
            let mut keys = vec![std::ptr::null::<c_void>(); count as usize];
            let mut values = vec![std::ptr::null::<c_void>(); count as usize];
            CFDictionaryGetKeysAndValues(object, keys.as_mut_ptr(), values.as_mut_ptr());
            let mut props = Props::new();
            for (key, value) in keys.into_iter().zip(values) {
                if key.is_null() || CFGetTypeID(key) != CFStringGetTypeID() {
                    continue;
                }
                if let Some(name) = string_value(key) {
                    props.insert(name, to_prop(value, depth + 1));
                }
            }
            Prop::Dict(props)
        } else {
            Prop::Other
        }
    }
}

/// The text of a `CFString`.
///
/// # Safety
/// `string` must be a valid, live `CFStringRef`.
unsafe fn string_value(string: CFStringRef) -> Option<String> {
    // SAFETY: the caller guarantees `string` is a live CFString; the buffer
    // is sized by CFStringGetMaximumSizeForEncoding plus the terminator and
    // CFStringGetCString writes at most `size` bytes including the NUL.
    unsafe {
        let length = CFStringGetLength(string);
        let size = CFStringGetMaximumSizeForEncoding(length, kCFStringEncodingUTF8).checked_add(1)?;
        if !(1..=MAX_DATA).contains(&size) {
            return None;
        }
        let mut buf = vec![0u8; size as usize];
        if CFStringGetCString(string, buf.as_mut_ptr().cast(), size, kCFStringEncodingUTF8) == 0 {
            return None;
        }
        let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
        buf.truncate(end);
        String::from_utf8(buf).ok()
    }
}

impl IoObject {
    /// One property of this registry entry.
    pub(crate) fn property(&self, key: &str) -> Option<Prop> {
        let key = cf_string(key)?;
        // SAFETY: `self.0` is a live registry entry and `key.0` a live
        // CFString; the result follows the Create rule and is owned by the guard.
        let value =
            CfObject::new(unsafe { IORegistryEntryCreateCFProperty(self.0, key.0, std::ptr::null(), 0) })?;
        Some(to_prop(value.0, 0))
    }

    /// A property of this entry or, failing that, of its nearest ancestor in
    /// the service plane that has it.
    pub(crate) fn search_parents(&self, key: &str) -> Option<Prop> {
        let key = cf_string(key)?;
        // SAFETY: as in `property`; the plane name is a NUL-terminated
        // constant (io_name_t is read as a C string).
        let value = CfObject::new(unsafe {
            IORegistryEntrySearchCFProperty(
                self.0,
                SERVICE_PLANE.as_ptr(),
                key.0,
                std::ptr::null(),
                kIORegistryIterateRecursively | kIORegistryIterateParents,
            )
        })?;
        Some(to_prop(value.0, 0))
    }

    /// The parent of this entry in the service plane.
    pub(crate) fn parent(&self) -> Option<IoObject> {
        let mut parent: io_object_t = 0;
        // SAFETY: `self.0` is a live entry; `parent` is a valid out pointer
        // that receives one reference we then own.
        let status = unsafe { IORegistryEntryGetParentEntry(self.0, SERVICE_PLANE.as_ptr(), &mut parent) };
        (status == KERN_SUCCESS && parent != 0).then_some(IoObject(parent))
    }

    /// The IOKit class name of this object.
    pub(crate) fn class_name(&self) -> String {
        let mut name = [0 as c_char; 128]; // io_name_t
        // SAFETY: `name` is an io_name_t-sized buffer IOObjectGetClass fills
        // with a NUL-terminated string.
        let status = unsafe { IOObjectGetClass(self.0, name.as_mut_ptr()) };
        if status != KERN_SUCCESS {
            return String::new();
        }
        // The buffer is NUL-terminated within its 128 bytes (forced below).
        name[127] = 0;
        // SAFETY: `name` holds a NUL-terminated string inside the buffer.
        unsafe { CStr::from_ptr(name.as_ptr()) }.to_string_lossy().into_owned()
    }
}

/// Every registered service of IOKit class `class` (`IOPCIDevice`, …).
pub(crate) fn services_of_class(class: &str) -> Result<Vec<IoObject>, Why> {
    let c = CString::new(class).map_err(|_| Why::BadName { what: "class name", name: class.to_owned() })?;
    // SAFETY: `c` is NUL-terminated; the returned dictionary (+1) is consumed
    // by IOServiceGetMatchingServices below, whatever its outcome.
    let matching = unsafe { IOServiceMatching(c.as_ptr()) };
    if matching.is_null() {
        let on = Some(CallTarget::Argument(class.to_owned()));
        return Err(Why::Call { call: "IOServiceMatching", on, error: None });
    }
    let mut iterator: io_object_t = 0;
    // SAFETY: `matching` is a valid dictionary whose reference this call
    // consumes; `iterator` is a valid out pointer receiving one reference.
    let status = unsafe { IOServiceGetMatchingServices(DEFAULT_MAIN_PORT, matching, &mut iterator) };
    if status != KERN_SUCCESS || iterator == 0 {
        return Err(Why::Status { call: "IOServiceGetMatchingServices", argument: class.to_owned(), status });
    }
    let iterator = IoObject(iterator);
    let mut services = Vec::new();
    for _ in 0..MAX_ITERATIONS {
        // SAFETY: `iterator` is a live iterator; each returned object carries
        // one reference we own (0 ends the iteration).
        let next = unsafe { IOIteratorNext(iterator.0) };
        if next == 0 {
            break;
        }
        services.push(IoObject(next));
    }
    Ok(services)
}

/// The service registered under a BSD name: the `IOMedia` of a disk
/// (`disk3s1s1`) or the `IONetworkInterface` of an interface (`en0`).
pub(crate) fn service_of_bsd_name(bsd_name: &str) -> Result<IoObject, Why> {
    let c =
        CString::new(bsd_name).map_err(|_| Why::BadName { what: "BSD name", name: bsd_name.to_owned() })?;
    // SAFETY: `c` is NUL-terminated; the returned dictionary (+1) is consumed
    // by IOServiceGetMatchingService below.
    let matching = unsafe { IOBSDNameMatching(DEFAULT_MAIN_PORT, 0, c.as_ptr()) };
    if matching.is_null() {
        let on = Some(CallTarget::Argument(bsd_name.to_owned()));
        return Err(Why::Call { call: "IOBSDNameMatching", on, error: None });
    }
    // SAFETY: `matching` is a valid dictionary whose reference this call
    // consumes; the returned service (if any) carries one reference we own.
    let service = unsafe { IOServiceGetMatchingService(DEFAULT_MAIN_PORT, matching) };
    if service == 0 {
        return Err(Why::NoRegistryEntry { bsd_name: bsd_name.to_owned() });
    }
    Ok(IoObject(service))
}
