# The settings every multistack VM shares, so that each Vagrantfile only names its machine.
# Machines, boxes and the guest's copy of the tree come from ../machines.json, which
# buildsys/vm.py reads too.
require "json"

module MultiStack
  VAGRANT_DIR = File.expand_path("..", __dir__)
  REPO = File.expand_path("..", VAGRANT_DIR)
  MACHINES = JSON.parse(File.read(File.join(VAGRANT_DIR, "machines.json")))

  # Provider: VAGRANT_DEFAULT_PROVIDER if set, else libvirt (VirtualBox with the variable).
  def self.provider
    ENV.fetch("VAGRANT_DEFAULT_PROVIDER", "libvirt")
  end

  def self.configure(config, name)
    spec = MACHINES.fetch("machines").fetch(name)
    guest_tree = MACHINES.fetch("guest_tree")
    boxes = spec.fetch("boxes")

    config.vm.box = ENV["MS_VAGRANT_BOX"] || boxes.fetch(provider, boxes.fetch("libvirt"))
    config.vm.hostname = "multistack-#{name}"

    # The tree goes in by rsync (works with both providers and on FreeBSD); build results
    # come back through buildsys/vm.py, so nothing is shared read-write.
    config.vm.synced_folder ".", "/vagrant", disabled: true
    config.vm.synced_folder REPO, guest_tree, type: "rsync",
      rsync__exclude: [".git/", ".nox/", ".venv/", ".mypy_cache/", ".ruff_cache/",
        ".pytest_cache/", "build/", "out/", "__pycache__/"]

    config.vm.provider "libvirt" do |lv|
      lv.memory = 2048
      lv.cpus = 2
      # qemu's own emulation (TCG) by default: it runs everywhere, also where /dev/kvm is a
      # nested hypervisor that cannot run Debian's kernel. MS_LIBVIRT_DRIVER=kvm is faster
      # where KVM works.
      lv.driver = ENV.fetch("MS_LIBVIRT_DRIVER", "qemu")
      lv.cpu_mode = "host-passthrough" if lv.driver == "kvm"
      # The libvirt domain is <prefix><name>-default: "multistack-debian12-default".
      lv.default_prefix = "#{ENV.fetch("MS_VAGRANT_PREFIX", "multistack-")}#{name}-"
      lv.graphics_type = "none"
      lv.video_type = "none"
    end
    config.vm.provider "virtualbox" do |vb|
      vb.memory = 4096
      vb.cpus = 2
    end

    env = {
      "MS_TREE" => guest_tree,
      "NETMAP_REF" => ENV.fetch("NETMAP_REF", File.read(File.join(VAGRANT_DIR, "netmap.ref")).strip),
    }
    scripts = Dir[File.join(VAGRANT_DIR, "provision", spec.fetch("os"), "*.sh")].sort
    scripts.each do |script|
      # Setup runs as root; the build runs as the user who owns the synced tree.
      config.vm.provision File.basename(script), type: "shell", path: script, env: env,
        privileged: !File.basename(script).include?("build")
    end
  end
end
