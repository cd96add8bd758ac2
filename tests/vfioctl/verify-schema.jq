# The schema of `vfioctl verify --json` (schema 1), as a jq predicate:
# `jq -e -f verify-schema.jq` exits 0 when the document conforms.
def nstr: type == "string" or type == "null";
def nbool: type == "boolean" or type == "null";
def problem: type == "object" and (.code | type == "string")
	and (.message | type == "string") and (.fix | type == "string");
def problems: type == "array" and all(.[]; problem);
def device: type == "object"
	and (.selector | type == "string")
	and (.address | nstr) and (.id | nstr) and (.driver | nstr)
	and (.driver_kind | . == null or . == "builtin" or . == "module")
	and (.group | type == "number" or type == "null")
	and (.status | IN("ready", "in-use", "not-ready", "missing",
		"stale-guard"))
	and (.group_viable | nbool)
	and (.group_node | IN("present", "viable", "not-viable", "in-use",
		"missing", "unknown"))
	and (.held_by | type == "array" and all(.[]; type == "string"))
	and (.cdev | nstr)
	and (.problems | problems)
	and (.warnings | problems)
	and (.warnings | all(.[]; .code | IN("no-reset", "d3cold",
		"boot-display", "slot-function-left-out", "variant-driver")));
.schema == 1
and (.ready | type == "boolean")
and (.source | type == "string")
and (.host | type == "object")
and (.host.iommu | type == "boolean")
and (.host.noiommu | type == "boolean")
and (.host.vfio_pci_loaded | type == "boolean")
and (.host.claim_ran | nbool)
and (.host.claim_status | type == "number" or type == "null")
and (.host.iommu_units | type == "array" and all(.[]; type == "string"))
and (.host.hook_installed | nbool)
and (.host.trial == null or ((.host.trial | type) == "object"
	and (.host.trial.state | IN("open", "confirming", "confirmed"))
	and (.host.trial.devices | type == "string")
	and (.host.trial.window | type == "number")
	and (.host.trial.seconds_left | type == "number")))
and (.host.problems | problems)
and (.counts.devices | type == "number")
and (.counts.ready | type == "number")
and (.counts.warnings == ([.devices[].warnings | length] | add // 0))
and (.devices | type == "array" and all(.[]; device))
and (.counts.devices == (.devices | length))
and (.ready == (.counts.ready == .counts.devices
	and (.counts.devices == 0 or (.host.problems | length) == 0)))
